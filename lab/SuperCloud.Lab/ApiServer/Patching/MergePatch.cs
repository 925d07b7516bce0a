using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>), as kube-apiserver applies it.</summary>
public static class MergePatch
{
    /// <summary>Merges <paramref name="patch"/> into a copy of <paramref name="target"/>: objects merge, null deletes, anything else replaces.</summary>
    /// <exception cref="StatusException">400 "Invalid JSON Patch" when the patch is null or a scalar.</exception>
    public static JsonNode Apply(JsonNode target, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        switch (patch)
        {
            case JsonObject patchObject when target is JsonObject targetObject:
            {
                var result = (JsonObject)targetObject.DeepClone();
                MergeInto(result, patchObject);
                return result;
            }

            case JsonObject patchObject:
                return PruneNulls(patchObject)!;
            case JsonArray patchArray:
                return PruneNulls(patchArray)!;
            default:
                throw PatchErrors.BadRequest("Invalid JSON Patch");
        }
    }

    /// <summary>Merges in place; <paramref name="target"/> is modified.</summary>
    internal static void MergeInto(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild && target[key] is JsonObject targetChild)
            {
                MergeInto(targetChild, patchChild);
            }
            else
            {
                target[key] = PruneNulls(value);
            }
        }
    }

    // Like evanphx/json-patch, null members are dropped from values that are added whole, also inside arrays.
    private static JsonNode? PruneNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
            {
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (value is not null)
                    {
                        copy[key] = PruneNulls(value);
                    }
                }

                return copy;
            }

            case JsonArray a:
                return new JsonArray(a.Select(PruneNulls).ToArray());
            default:
                return JsonValues.Clone(node);
        }
    }
}
