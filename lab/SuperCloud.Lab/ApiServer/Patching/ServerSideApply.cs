using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>) and field ownership tracking in <c>metadata.managedFields</c>,
/// following kube-apiserver's field manager and structured-merge-diff.
/// </summary>
public static class ServerSideApply
{
    /// <summary>The manager kube records fields under when the first apply meets an object without managed fields.</summary>
    public const string BeforeFirstApplyManager = "before-first-apply";

    /// <summary>The annotation kubectl client-side apply keeps the last applied configuration in.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>kube keeps at most this many Update entries; older ones are merged into one.</summary>
    public const int MaxUpdateManagers = 10;

    /// <summary>The manager older Update entries are merged into once there are too many.</summary>
    public const string AncientChangesManager = "ancient-changes";

    // Fields no manager ever owns (kube's stripMetaManager).
    private static readonly FieldSet StrippedFields = BuildStrippedFields();

    private static FieldSet BuildStrippedFields()
    {
        var set = new FieldSet();
        set.Insert([PathElement.Field("apiVersion")]);
        set.Insert([PathElement.Field("kind")]);
        set.Insert([PathElement.Field("metadata")]);
        foreach (var f in new[] { "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion" })
        {
            set.Insert([PathElement.Field("metadata"), PathElement.Field(f)]);
        }

        return set;
    }

    /// <summary>
    /// Merges <paramref name="applied"/> into <paramref name="live"/> (null = create) as field manager <paramref name="manager"/>,
    /// returning the new object with updated <c>metadata.managedFields</c>. An identical re-apply returns an object equal to <paramref name="live"/>.
    /// </summary>
    /// <param name="live">The stored object, or null when the apply creates it.</param>
    /// <param name="applied">The applied configuration (see <see cref="ApplyConfiguration.Parse(string)"/>).</param>
    /// <param name="manager">The field manager (the <c>fieldManager</c> query parameter).</param>
    /// <param name="force">True to take ownership of conflicting fields instead of failing.</param>
    /// <param name="apiVersion">The apiVersion served, e.g. <c>apps/v1</c>.</param>
    /// <param name="kind">The kind served.</param>
    /// <param name="schema">The CRD's structural schema, or null for built-in kinds.</param>
    /// <param name="now">The time recorded on the manager's entry when the object changes.</param>
    /// <param name="subresource"><c>status</c> when applying to the status subresource, else null.</param>
    /// <param name="hasStatusSubresource">True when status is a subresource, so an apply to the main resource ignores status.</param>
    /// <exception cref="StatusException">400 for a wrong kind or managedFields in the body, 409 for conflicts, 422 without manager, 500 for list items without keys.</exception>
    public static JsonObject Apply(JsonObject? live, JsonObject applied, string manager, bool force, string apiVersion, string kind,
        JsonObject? schema, DateTimeOffset now, string? subresource = null, bool hasStatusSubresource = false)
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (string.IsNullOrEmpty(manager))
        {
            throw new StatusException(422, "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                [new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")])
            {
                Group = "meta.k8s.io", Kind = "PatchOptions",
            };
        }

        var appliedApiVersion = Str(applied["apiVersion"]) ?? "";
        var appliedKind = Str(applied["kind"]) ?? "";
        if (appliedApiVersion != apiVersion || appliedKind != kind)
        {
            throw PatchErrors.BadRequest($"invalid object type: {GroupVersionKind(appliedApiVersion, appliedKind)}");
        }

        if (applied["metadata"] is JsonObject appliedMeta && appliedMeta["managedFields"] is not null)
        {
            throw PatchErrors.BadRequest("metadata.managedFields must be nil");
        }

        var type = SchemaCatalog.For(kind, schema);
        var config = RestrictToSubresource((JsonObject)applied.DeepClone(), subresource, hasStatusSubresource);
        DropNullSystemMetadata(config);
        var liveObject = live is null ? new JsonObject() : WithoutManagedFields(live);

        var managers = ManagedFieldsCodec.TryDecode(live) ?? [];
        if (live is not null && managers.Count == 0)
        {
            // kube first records everything already there as owned by an updater, so the apply can conflict with it.
            var existing = Strip(TypedValue.ToFieldSet(liveObject, type));
            managers.Add(new ManagedFieldsEntry(BeforeFirstApplyManager, ManagedFieldsEntry.Update, apiVersion,
                ManagedFieldsCodec.FormatTime(now), null, existing));
        }

        var errors = new List<string>();
        // Stripped metadata (name, namespace...) stays in the set while merging so that pruning never removes
        // metadata itself; kube strips it only when encoding managedFields.
        var configSet = TypedValue.ToFieldSet(config, type, errors);
        if (errors.Count > 0)
        {
            throw TypedPatchError(applied, apiVersion, kind, errors);
        }

        configSet = IgnoreOutsideSubresource(configSet, subresource, hasStatusSubresource);

        try
        {
            return ApplyCore(live, liveObject, applied, config, configSet, managers, manager, force, apiVersion, type, now, subresource, schema is not null);
        }
        catch (StatusException ex) when (ex.Code == 409 && !force && AllowedByLastApplied(live, liveObject, ex, type))
        {
            // Upgrading from client-side apply: conflicts on fields whose live value still equals the last-applied
            // annotation are taken over, as kube's lastAppliedManager does.
            return ApplyCore(live, liveObject, applied, config, configSet, managers, manager, true, apiVersion, type, now, subresource, schema is not null);
        }
    }

    private static JsonObject ApplyCore(JsonObject? live, JsonObject liveObject, JsonObject applied, JsonObject config, FieldSet configSet,
        List<ManagedFieldsEntry> managers, string manager, bool force, string apiVersion, SchemaType type, DateTimeOffset now, string? subresource,
        bool isCustomResource)
    {
        managers = managers.Select(m => new ManagedFieldsEntry(m.Manager, m.Operation, m.ApiVersion, m.Time, m.Subresource, m.Fields.Copy())).ToList();
        var merged = (JsonObject)TypedValue.Merge(liveObject, config, type)!;

        var applierId = ManagedFieldsEntry.BuildIdentifier(manager, ManagedFieldsEntry.Apply, apiVersion, subresource);
        var applier = managers.FirstOrDefault(m => m.Identifier == applierId);
        var lastSet = applier?.Fields;
        if (applier is null)
        {
            applier = new ManagedFieldsEntry(manager, ManagedFieldsEntry.Apply, apiVersion, null, subresource, configSet);
            managers.Add(applier);
        }
        else
        {
            applier.Fields = configSet;
            applier.ApiVersion = apiVersion;
        }

        if (lastSet is not null && !lastSet.IsEmpty)
        {
            // Remove what this manager applied before and omits now, unless someone else (or the new config) owns it.
            var owned = managers.Aggregate(new FieldSet(), (acc, m) => acc.Union(m.Fields));
            var removable = TypedValue.EnsureNamedFieldsAreMembers(lastSet, type)
                .Difference(TypedValue.EnsureNamedFieldsAreMembers(owned, type));
            TypedValue.RemovePaths(merged, type, removable);
        }

        var (changed, removed) = Diff(liveObject, merged, type, Str(merged["kind"]) ?? "", isCustomResource);
        var conflicts = new List<(ManagedFieldsEntry, FieldSet)>();
        foreach (var other in managers.Where(m => !ReferenceEquals(m, applier)))
        {
            var overlap = other.Fields.Intersection(changed);
            if (!overlap.IsEmpty)
            {
                conflicts.Add((other, overlap));
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            throw ApplyConflicts.Error(conflicts);
        }

        foreach (var (other, overlap) in conflicts)
        {
            other.Fields = other.Fields.Difference(overlap);
        }

        foreach (var m in managers)
        {
            m.Fields = m.Fields.Difference(removed);
        }

        if (live is null || !JsonValues.DeepEquals(liveObject, merged))
        {
            applier.Time = ManagedFieldsCodec.FormatTime(now);
        }

        if (applier.Manager == "kubectl" && live is not null && HasLastApplied(liveObject))
        {
            SetLastApplied(merged, applied);
        }

        ManagedFieldsCodec.Encode(merged, CapUpdateManagers(StripAll(managers)));
        return merged;
    }

    /// <summary>
    /// Records, for a create, update or non-apply patch, the fields that changed from <paramref name="oldObject"/> to
    /// <paramref name="newObject"/> as owned by <paramref name="manager"/> with operation Update; modifies
    /// <paramref name="newObject"/>'s <c>metadata.managedFields</c>. Call it with the object as it will be stored.
    /// </summary>
    /// <param name="oldObject">The stored object, or null for a create.</param>
    /// <param name="newObject">The object about to be stored; managedFields it carries from the request are honoured as kube does.</param>
    /// <param name="manager">The field manager (query parameter or derived from the user agent).</param>
    /// <param name="apiVersion">The apiVersion of the request.</param>
    /// <param name="now">The time recorded when the manager's fields change.</param>
    /// <param name="subresource"><c>status</c> for writes to the status subresource.</param>
    /// <param name="schema">The CRD's structural schema, or null for built-in kinds.</param>
    public static void TrackUpdate(JsonObject? oldObject, JsonObject newObject, string manager, string apiVersion, DateTimeOffset now,
        string? subresource = null, JsonObject? schema = null)
    {
        ArgumentNullException.ThrowIfNull(newObject);
        var kind = Str(newObject["kind"]) ?? Str(oldObject?["kind"]) ?? "";
        var type = SchemaCatalog.For(kind, schema);
        var isSubresource = !string.IsNullOrEmpty(subresource);

        // Like kube: managed fields sent in the request win (clients may edit them), unless they are empty or invalid.
        var managers = isSubresource ? null : ManagedFieldsCodec.TryDecode(newObject);
        managers ??= ManagedFieldsCodec.TryDecode(oldObject) ?? [];

        var oldValue = oldObject is null ? new JsonObject() : WithoutManagedFields(oldObject);
        var newValue = WithoutManagedFields(newObject);
        if (oldObject is not null && managers.Count == 0)
        {
            // kube does not start tracking on updates of objects that have no managed fields.
            ManagedFieldsCodec.Encode(newObject, []);
            return;
        }

        var (changed, removed) = Diff(oldValue, newValue, type, kind, schema is not null);
        var current = Strip(changed);
        if (isSubresource && subresource == "status")
        {
            current = OnlyStatus(current);
        }

        foreach (var m in managers)
        {
            m.Fields = m.Fields.Difference(current).Difference(removed);
        }

        if (!current.IsEmpty)
        {
            var id = ManagedFieldsEntry.BuildIdentifier(manager, ManagedFieldsEntry.Update, apiVersion, subresource);
            var entry = managers.FirstOrDefault(m => m.Identifier == id);
            if (entry is null)
            {
                entry = new ManagedFieldsEntry(manager, ManagedFieldsEntry.Update, apiVersion, null, subresource, new FieldSet());
                managers.Add(entry);
            }

            entry.Fields = entry.Fields.Union(current);
            entry.Time = ManagedFieldsCodec.FormatTime(now);
        }

        ManagedFieldsCodec.Encode(newObject, CapUpdateManagers(StripAll(managers)));
    }

    /// <summary>Changed (modified or added) and removed field paths between two values.</summary>
    private static (FieldSet Changed, FieldSet Removed) Diff(JsonObject before, JsonObject after, SchemaType type, string kind, bool isCustomResource)
    {
        var comparison = TypedValue.Compare(
            SchemaCatalog.WithZeroValue(before, kind, isCustomResource),
            SchemaCatalog.WithZeroValue(after, kind, isCustomResource),
            type);
        return (comparison.Modified.Union(comparison.Added), comparison.Removed);
    }

    private static FieldSet Strip(FieldSet set) => set.Difference(StrippedFields);

    private static List<ManagedFieldsEntry> StripAll(List<ManagedFieldsEntry> managers)
    {
        foreach (var m in managers)
        {
            m.Fields = Strip(m.Fields);
        }

        return managers;
    }

    private static FieldSet OnlyStatus(FieldSet set)
    {
        var result = new FieldSet();
        if (set.Children.TryGetValue(PathElement.Field("status"), out var status))
        {
            foreach (var p in status.Paths())
            {
                result.Insert([PathElement.Field("status"), .. p]);
            }
        }

        if (set.Members.Contains(PathElement.Field("status")))
        {
            result.Insert([PathElement.Field("status")]);
        }

        return result;
    }

    private static FieldSet IgnoreOutsideSubresource(FieldSet set, string? subresource, bool hasStatusSubresource)
    {
        if (subresource == "status")
        {
            return OnlyStatus(set);
        }

        if (hasStatusSubresource)
        {
            var status = new FieldSet();
            status.Insert([PathElement.Field("status")]);
            return set.RecursiveDifference(status);
        }

        return set;
    }

    /// <summary>Drops what an apply to this endpoint may not set: all but status on /status, status on the main resource.</summary>
    private static JsonObject RestrictToSubresource(JsonObject config, string? subresource, bool hasStatusSubresource)
    {
        if (subresource == "status")
        {
            var restricted = new JsonObject
            {
                ["apiVersion"] = JsonValues.Clone(config["apiVersion"]),
                ["kind"] = JsonValues.Clone(config["kind"]),
            };
            if (config["metadata"] is JsonObject meta)
            {
                var m = new JsonObject();
                foreach (var f in new[] { "name", "namespace" })
                {
                    if (meta[f] is { } v)
                    {
                        m[f] = v.DeepClone();
                    }
                }

                restricted["metadata"] = m;
            }

            if (config["status"] is { } status)
            {
                restricted["status"] = status.DeepClone();
            }

            return restricted;
        }

        if (hasStatusSubresource)
        {
            config.Remove("status");
        }

        return config;
    }

    /// <summary>Merges the oldest Update entries into <see cref="AncientChangesManager"/> when there are more than kube keeps.</summary>
    private static List<ManagedFieldsEntry> CapUpdateManagers(List<ManagedFieldsEntry> managers)
    {
        var live = managers.Where(m => !m.Fields.IsEmpty).ToList();
        var updates = live.Where(m => m.Operation == ManagedFieldsEntry.Update).ToList();
        if (updates.Count <= MaxUpdateManagers)
        {
            return live;
        }

        var byAge = updates.OrderBy(m => m.Time ?? "", StringComparer.Ordinal).ThenBy(m => m.Manager, StringComparer.Ordinal).ToList();
        var ancientId = ManagedFieldsEntry.BuildIdentifier(AncientChangesManager, ManagedFieldsEntry.Update, byAge[0].ApiVersion, null);
        var ancient = live.FirstOrDefault(m => m.Identifier == ancientId);
        var excess = updates.Count - MaxUpdateManagers + (ancient is null ? 1 : 0);
        var merged = ancient ?? new ManagedFieldsEntry(AncientChangesManager, ManagedFieldsEntry.Update, byAge[0].ApiVersion,
            null, null, new FieldSet());
        foreach (var old in byAge.Where(m => !ReferenceEquals(m, ancient)).Take(excess))
        {
            merged.Fields = merged.Fields.Union(old.Fields);
            // The bucket carries the time of the newest change folded into it.
            merged.Time = old.Time ?? merged.Time;
            live.Remove(old);
        }

        if (ancient is null)
        {
            live.Add(merged);
        }

        return live;
    }

    private static bool AllowedByLastApplied(JsonObject? live, JsonObject liveObject, StatusException conflict, SchemaType type)
    {
        if (live is null || Str(liveObject["metadata"]?["annotations"]?[LastAppliedAnnotation]) is not { } text)
        {
            return false;
        }

        JsonObject? lastApplied;
        try
        {
            lastApplied = Json.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }

        if (lastApplied is null || Str(lastApplied["apiVersion"]) != Str(liveObject["apiVersion"]))
        {
            return false;
        }

        var allowed = TypedValue.ToFieldSet(lastApplied, type).Difference(TypedValue.Compare(liveObject, lastApplied, type).Modified);
        var allowedPaths = allowed.Paths().Select(p => new FieldPath(p).ToString()).ToHashSet(StringComparer.Ordinal);
        return conflict.Causes.Count > 0 && conflict.Causes.All(c => allowedPaths.Contains(c.Field));
    }

    private static bool HasLastApplied(JsonObject obj) => obj["metadata"]?["annotations"]?[LastAppliedAnnotation] is not null;

    private static void SetLastApplied(JsonObject merged, JsonObject applied)
    {
        var copy = (JsonObject)applied.DeepClone();
        if (copy["metadata"]?["annotations"] is JsonObject annotations)
        {
            annotations.Remove(LastAppliedAnnotation);
            if (annotations.Count == 0)
            {
                ((JsonObject)copy["metadata"]!).Remove("annotations");
            }
        }

        if (merged["metadata"] is not JsonObject meta)
        {
            return;
        }

        if (meta["annotations"] is not JsonObject target)
        {
            target = [];
            meta["annotations"] = target;
        }

        target[LastAppliedAnnotation] = JsonValues.GoJson(copy);
    }

    private static StatusException TypedPatchError(JsonObject applied, string apiVersion, string kind, List<string> errors)
    {
        var ns = Str(applied["metadata"]?["namespace"]) ?? "";
        var name = Str(applied["metadata"]?["name"]) ?? "";
        var detail = errors.Count == 1 ? errors[0] : "errors:\n  " + string.Join("\n  ", errors);
        return PatchErrors.Unknown(
            $"failed to create typed patch object ({ns}/{name}; {GroupVersionKind(apiVersion, kind)}): {detail}");
    }

    private static string GroupVersionKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        return $"{group}/{version}, Kind={kind}";
    }

    // Manifests rendered by "kubectl create --dry-run -o yaml" carry creationTimestamp: null; a typed object ignores
    // such nulls, so they must not erase the live values.
    private static void DropNullSystemMetadata(JsonObject config)
    {
        if (config["metadata"] is not JsonObject meta)
        {
            return;
        }

        foreach (var field in new[] { "creationTimestamp", "uid", "resourceVersion", "generation", "selfLink", "deletionTimestamp", "name", "namespace" })
        {
            if (meta.TryGetPropertyValue(field, out var value) && value is null)
            {
                meta.Remove(field);
            }
        }
    }

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("managedFields");
        return copy;
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValues.Text(v) : null;
}
