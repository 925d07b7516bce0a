using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <content>Delete: preconditions, propagation policy finalizers, graceful deletion with finalizers.</content>
internal sealed partial class ResourceOperations
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    /// <summary>
    /// Deletes an object: with finalizers (its own or the one its propagation policy adds) the object only gets
    /// a deletionTimestamp and stays until they are removed; without, it is removed at once.
    /// </summary>
    public WriteOutcome Delete(ApiResource resource, string? ns, string name, DeleteRequest request)
    {
        if (request.PropagationPolicy is not (null or "Background" or "Foreground" or "Orphan"))
        {
            throw Errors.BadRequest($"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{request.PropagationPolicy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        }

        lock (store.Gate)
        {
            var current = store.Peek(resource, ns, name) ?? throw Errors.NotFound(resource, name);
            if (request.PreconditionUid is { Length: > 0 } uid && uid != Json.MetaStr(current, "uid"))
            {
                throw Errors.ConflictPrecondition(resource, name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.MetaStr(current, "uid")}");
            }

            if (request.PreconditionResourceVersion is { Length: > 0 } rv && rv != Json.MetaStr(current, "resourceVersion"))
            {
                throw Errors.ConflictPrecondition(resource, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Json.MetaStr(current, "resourceVersion")}");
            }

            if (request.User is { } user)
            {
                _policies.Validate(new Auth.AdmissionRequest(resource, "", "DELETE", ns ?? "", name, null, current, user, request.DryRun));
            }

            var obj = Json.Clone(current);
            var finalizers = Json.Finalizers(obj);
            var policyFinalizer = request.PropagationPolicy switch
            {
                "Orphan" => OrphanFinalizer,
                "Foreground" => ForegroundFinalizer,
                _ => null,
            };
            var changed = false;
            if (policyFinalizer is not null && !finalizers.Contains(policyFinalizer))
            {
                finalizers.Remove(policyFinalizer == OrphanFinalizer ? ForegroundFinalizer : OrphanFinalizer);
                finalizers.Add(policyFinalizer);
                Json.SetFinalizers(obj, finalizers);
                changed = true;
            }

            var isNamespace = resource == NamespaceResource;
            if (finalizers.Count == 0 && !isNamespace)
            {
                if (request.DryRun)
                {
                    return new WriteOutcome(obj, [], Removed: true);
                }

                return new WriteOutcome(Commit(resource, "DELETED", obj), [], Removed: true);
            }

            if (!Json.IsDeleting(obj))
            {
                var meta = Json.Metadata(obj);
                meta["deletionTimestamp"] = Json.Timestamp(Now);
                meta["deletionGracePeriodSeconds"] = 0;
                if (isNamespace)
                {
                    obj["status"] = new JsonObject { ["phase"] = "Terminating" };
                }

                changed = true;
            }

            if (!changed || request.DryRun)
            {
                return new WriteOutcome(obj, []);
            }

            return new WriteOutcome(Commit(resource, "MODIFIED", obj), []);
        }
    }

    /// <summary>Removes a finalizer the server's own controllers own (GC, namespace, CRD cleanup) and deletes if none remain.</summary>
    public void RemoveFinalizer(ApiResource resource, JsonObject current, string finalizer)
    {
        lock (store.Gate)
        {
            var obj = Json.Clone(current);
            Json.SetFinalizers(obj, Json.Finalizers(obj).Where(f => f != finalizer));
            var type = Json.IsDeleting(obj) && Json.Finalizers(obj).Count == 0 ? "DELETED" : "MODIFIED";
            Commit(resource, type, obj);
        }
    }

    /// <summary>Replaces an object as a controller would (no admission), e.g. to drop an ownerReference.</summary>
    public void ControllerWrite(ApiResource resource, JsonObject obj, string type = "MODIFIED")
    {
        lock (store.Gate)
        {
            Commit(resource, type, obj);
        }
    }
}
