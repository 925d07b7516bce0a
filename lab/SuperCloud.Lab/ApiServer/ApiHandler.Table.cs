using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Tables;

namespace SuperCloud.Lab.ApiServer;

/// <content>Table output (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>).</content>
internal sealed partial class ApiHandler
{
    /// <summary>The Table for <paramref name="objects"/> when the client asked for one; null for plain JSON.</summary>
    private JsonObject? TryTable(ApiRequest request, IReadOnlyList<JsonObject> objects, string? resourceVersion, string? continueToken)
    {
        if (!ContentNegotiation.WantsTable(request.Accept))
        {
            return null;
        }

        var includeObject = request.Query("includeObject") is { Length: > 0 } include ? include : "Metadata";
        return TableConverter.ToTable(request.Resource, objects, resourceVersion, continueToken, includeObject, time.GetUtcNow());
    }
}
