using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// The ownerReference garbage collector: deletes dependents whose owners are all gone (background), deletes
/// dependents of owners deleted in the foreground and releases them once blocking dependents are gone, and
/// orphans dependents of owners deleted with the orphan policy.
/// </summary>
internal sealed class GarbageCollector(ResourceOperations operations)
{
    /// <summary>One pass; true when it changed something (the loop runs again until nothing changes).</summary>
    public bool Reconcile()
    {
        var store = operations.Store;
        lock (store.Gate)
        {
            // Only deleting owners and objects with ownerReferences matter: the store indexes both.
            var owned = store.PeekOwned();
            var progress = false;
            foreach (var (group, plural, owner) in store.PeekDeleting())
            {
                var uid = Json.MetaStr(owner, "uid")!;
                var finalizers = Json.Finalizers(owner);
                var dependents = owned.Where(e => OwnerUids(e.Object).Contains(uid)).ToList();
                if (finalizers.Contains(ResourceOperations.OrphanFinalizer))
                {
                    foreach (var (dg, dp, dependent) in dependents)
                    {
                        var copy = Json.Clone(dependent);
                        SetOwnerReferences(copy, OwnerReferences(copy).Where(r => Json.Str(r, "uid") != uid));
                        operations.ControllerWrite(Resource(dg, dp), copy);
                    }

                    operations.RemoveFinalizer(Resource(group, plural), owner, ResourceOperations.OrphanFinalizer);
                    return true;
                }

                if (finalizers.Contains(ResourceOperations.ForegroundFinalizer))
                {
                    foreach (var (dg, dp, dependent) in dependents.Where(d => !Json.IsDeleting(d.Object)))
                    {
                        operations.Delete(Resource(dg, dp), Json.Namespace(dependent), Json.Name(dependent),
                            DeleteRequest.Background with { PropagationPolicy = "Foreground" });
                        progress = true;
                    }

                    var blocking = dependents.Any(d => OwnerReferences(d.Object)
                        .Any(r => Json.Str(r, "uid") == uid && r["blockOwnerDeletion"]?.GetValue<bool>() == true));
                    if (!progress && !blocking)
                    {
                        operations.RemoveFinalizer(Resource(group, plural), owner, ResourceOperations.ForegroundFinalizer);
                        return true;
                    }
                }
            }

            if (progress)
            {
                return true;
            }

            foreach (var (group, plural, dependent) in owned)
            {
                var refs = OwnerReferences(dependent);
                if (refs.Count == 0)
                {
                    continue;
                }

                var absent = refs.Where(r => !store.ContainsUid(Json.Str(r, "uid") ?? "")).ToList();
                if (absent.Count == 0)
                {
                    continue;
                }

                if (absent.Count == refs.Count)
                {
                    if (!Json.IsDeleting(dependent))
                    {
                        operations.Delete(Resource(group, plural), Json.Namespace(dependent), Json.Name(dependent), DeleteRequest.Background);
                        progress = true;
                    }
                }
                else
                {
                    var copy = Json.Clone(dependent);
                    SetOwnerReferences(copy, refs.Except(absent));
                    operations.ControllerWrite(Resource(group, plural), copy);
                    progress = true;
                }
            }

            return progress;
        }
    }

    private ApiResource Resource(string group, string plural) =>
        operations.Registry.All.First(r => r.Group == group && r.Plural == plural);

    private static List<JsonObject> OwnerReferences(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().ToList();

    private static HashSet<string> OwnerUids(JsonObject obj) =>
        OwnerReferences(obj).Select(r => Json.Str(r, "uid") ?? "").ToHashSet(StringComparer.Ordinal);

    private static void SetOwnerReferences(JsonObject obj, IEnumerable<JsonObject> refs)
    {
        var list = refs.Select(r => (JsonNode?)r.DeepClone()).ToArray();
        if (list.Length == 0)
        {
            Json.Metadata(obj).Remove("ownerReferences");
        }
        else
        {
            Json.Metadata(obj)["ownerReferences"] = new JsonArray(list);
        }
    }
}
