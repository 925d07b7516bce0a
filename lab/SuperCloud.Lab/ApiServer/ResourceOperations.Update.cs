using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <content>Update (PUT and the last step of every PATCH).</content>
internal sealed partial class ResourceOperations
{
    /// <summary>
    /// Replaces an object (PUT) or its status (<paramref name="subresource"/> = "status"): optimistic concurrency
    /// when the body carries a resourceVersion, immutable system fields, status rules, generation, finalizers.
    /// </summary>
    public WriteOutcome Update(ApiResource resource, string? ns, string name, JsonObject body, WriteOptions options, string? subresource)
    {
        ValidateOptions(options);
        CheckTypeMeta(resource, body);
        lock (store.Gate)
        {
            var old = store.Peek(resource, ns, name) ?? throw Errors.NotFound(resource, name);
            RequireResourceVersionForCustomResource(resource, name, body);
            return UpdateExisting(resource, old, body, options, subresource);
        }
    }

    /// <summary>
    /// kube's customResourceStrategy (and its status strategy) refuses unconditional updates, so a PUT of a custom
    /// resource must carry metadata.resourceVersion; built-in kinds here all allow it, as their strategies do.
    /// Checked after the NotFound check, like the generic store, which reads the object first.
    /// </summary>
    private static void RequireResourceVersionForCustomResource(ApiResource resource, string name, JsonObject body)
    {
        if (resource.Schema is not null && string.IsNullOrEmpty(Json.MetaStr(body, "resourceVersion")))
        {
            // The store parses the empty version to uint64 0, which Go's %#v prints as 0x0.
            throw Errors.Invalid(resource, name,
                [FieldError.Invalid("metadata.resourceVersion", JsonValue.Create(0), "must be specified for an update") with { GoValueText = "0x0" }]);
        }
    }

    /// <summary>Update against a known current object; the caller holds the lock.</summary>
    private WriteOutcome UpdateExisting(ApiResource resource, JsonObject old, JsonObject body, WriteOptions options, string? subresource)
    {
        var name = Json.Name(old);
        var ns = Json.Namespace(old);
        var meta = Json.Metadata(body);
        var bodyName = Json.Name(body);
        if (bodyName.Length == 0)
        {
            meta["name"] = name;
        }
        else if (bodyName != name)
        {
            throw Errors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        CheckNamespace(resource, ns, body);
        var requestedRv = Json.MetaStr(body, "resourceVersion");
        if (!string.IsNullOrEmpty(requestedRv) && requestedRv != Json.MetaStr(old, "resourceVersion"))
        {
            throw Errors.Conflict(resource, name);
        }

        var uid = Json.MetaStr(body, "uid");
        if (!string.IsNullOrEmpty(uid) && uid != Json.MetaStr(old, "uid"))
        {
            throw Errors.Invalid(resource, name, [FieldError.Invalid("metadata.uid", uid, "field is immutable")]);
        }

        var updated = Prepare(resource, old, body, subresource);
        var warnings = Admit(resource, updated, old, options, subresource);
        if (resource == CustomResourceDefinitions.Resource && subresource is null)
        {
            CustomResourceDefinitions.SetEstablishedStatus(updated, Now);
        }

        var specChanged = !Json.DeepEquals(
            Json.WithoutMetadata(old, resource.HasStatusSubresource),
            Json.WithoutMetadata(updated, resource.HasStatusSubresource));
        if (specChanged && UsesGeneration(resource))
        {
            Json.Metadata(updated)["generation"] = (Json.Long(old["metadata"]?["generation"]) ?? 1) + 1;
        }

        if (SameIgnoringBookkeeping(old, updated))
        {
            // kube skips no-op writes: no new resourceVersion, no watch event.
            return new WriteOutcome(Json.Clone(old), warnings);
        }

        updated = TrackManagedFields(resource, old, updated, options, subresource);
        var removed = Json.IsDeleting(updated) && Json.Finalizers(updated).Count == 0 && resource.Plural != "namespaces";
        if (options.DryRun)
        {
            return new WriteOutcome(updated, warnings, Removed: removed);
        }

        return new WriteOutcome(Commit(resource, removed ? "DELETED" : "MODIFIED", updated), warnings, Removed: removed);
    }

    /// <summary>Builds the object to store from the old one and the request body, by kube's strategy rules.</summary>
    private static JsonObject Prepare(ApiResource resource, JsonObject old, JsonObject body, string? subresource)
    {
        if (subresource == "approval")
        {
            return CertificateSigningRequests.PrepareApproval(old, body);
        }

        JsonObject updated;
        if (subresource == "status")
        {
            // Status writes change only .status (and managedFields); everything else comes from the old object.
            updated = Json.Clone(old);
            if (body["status"] is { } status)
            {
                updated["status"] = status.DeepClone();
            }
            else
            {
                updated.Remove("status");
            }

            if (body["metadata"]?["managedFields"] is { } managed)
            {
                Json.Metadata(updated)["managedFields"] = managed.DeepClone();
            }

            return updated;
        }

        updated = Json.Clone(body);
        var meta = Json.Metadata(updated);
        var oldMeta = Json.Metadata(old);
        foreach (var system in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (oldMeta[system] is { } value)
            {
                meta[system] = value.DeepClone();
            }
            else
            {
                meta.Remove(system);
            }
        }

        meta.Remove("selfLink");
        if (resource.HasStatusSubresource)
        {
            if (old["status"] is { } oldStatus)
            {
                updated["status"] = oldStatus.DeepClone();
            }
            else
            {
                updated.Remove("status");
            }
        }

        return updated;
    }

    private static bool SameIgnoringBookkeeping(JsonObject old, JsonObject updated)
    {
        static JsonObject Strip(JsonObject o)
        {
            var copy = Json.Clone(o);
            var meta = Json.Metadata(copy);
            meta.Remove("resourceVersion");
            meta.Remove("managedFields");
            return copy;
        }

        return Json.DeepEquals(Strip(old), Strip(updated));
    }
}
