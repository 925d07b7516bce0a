using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Records managedFields for non-apply writes (operation Update) through the server-side-apply field tracker.</summary>
internal static class ManagedFieldsTracker
{
    public static JsonObject Track(ApiResource resource, JsonObject? old, JsonObject updated, string manager, DateTimeOffset now, string? subresource)
    {
        ServerSideApply.TrackUpdate(old, updated, manager, resource.ApiVersion, now, subresource, resource.Schema);
        return updated;
    }
}
