using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <content>Patch: read, apply the patch function, then the update path (or create, for apply).</content>
internal sealed partial class ResourceOperations
{
    /// <summary>
    /// Patches an object atomically: <paramref name="patch"/> turns the current object (null when absent and
    /// <paramref name="createIfMissing"/>) into the desired one, which then goes through update (or create).
    /// </summary>
    public WriteOutcome Patch(ApiResource resource, string? ns, string name, Func<JsonObject?, JsonObject> patch, WriteOptions options, string? subresource, bool createIfMissing)
    {
        ValidateOptions(options);
        lock (store.Gate)
        {
            var current = store.Peek(resource, ns, name);
            if (current is null)
            {
                if (!createIfMissing || subresource is not null)
                {
                    throw Errors.NotFound(resource, name);
                }

                var created = patch(null);
                var meta = Json.Metadata(created);
                if (!string.IsNullOrEmpty(Json.Name(created)) && Json.Name(created) != name)
                {
                    throw Errors.BadRequest($"the name of the object ({Json.Name(created)}) does not match the name on the URL ({name})");
                }

                meta["name"] = name;
                return Create(resource, ns, created, options);
            }

            var patched = patch(Json.Clone(current));
            CheckTypeMeta(resource, patched);
            return UpdateExisting(resource, current, patched, options, subresource);
        }
    }
}
