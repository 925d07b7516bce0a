using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <content>Create.</content>
internal sealed partial class ResourceOperations
{
    /// <summary>Creates an object (POST): system fields, namespace checks, admission, 409 if it exists.</summary>
    public WriteOutcome Create(ApiResource resource, string? ns, JsonObject body, WriteOptions options)
    {
        ValidateOptions(options);
        CheckTypeMeta(resource, body);
        lock (store.Gate)
        {
            CheckNamespace(resource, ns, body);
            var meta = Json.Metadata(body);
            if (string.IsNullOrEmpty(Json.Name(body)) && Json.MetaStr(body, "generateName") is { Length: > 0 } prefix)
            {
                meta["name"] = GenerateName(prefix);
            }

            var name = Json.Name(body);
            RequireLiveNamespace(resource, ns, name);
            if (resource.Schema is not null && store.Peek(CustomResourceDefinitions.Resource, null, resource.GroupResource) is { } crd && Json.IsDeleting(crd))
            {
                throw Errors.MethodNotAllowed("create not allowed while custom resource definition is terminating");
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Json.Timestamp(Now);
            if (UsesGeneration(resource))
            {
                meta["generation"] = 1;
            }
            else
            {
                meta.Remove("generation");
            }
            foreach (var system in new[] { "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink" })
            {
                meta.Remove(system);
            }

            if (resource.HasStatusSubresource)
            {
                body.Remove("status");
            }

            if (resource == CertificateSigningRequests.Resource)
            {
                CertificateSigningRequests.PrepareForCreate(body, options.User);
            }

            var warnings = Admit(resource, body, null, options, null);
            if (store.Peek(resource, resource.Namespaced ? ns : null, name) is not null)
            {
                throw Errors.AlreadyExists(resource, name);
            }

            if (resource == CustomResourceDefinitions.Resource)
            {
                Json.SetFinalizers(body, Json.Finalizers(body).Append(CustomResourceDefinitions.CleanupFinalizer).Distinct());
                CustomResourceDefinitions.SetEstablishedStatus(body, Now);
            }

            body = TrackManagedFields(resource, null, body, options, null);
            if (options.DryRun)
            {
                return new WriteOutcome(body, warnings, Created: true);
            }

            return new WriteOutcome(Commit(resource, "ADDED", body), warnings, Created: true);
        }
    }
}
