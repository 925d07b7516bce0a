using System.Text;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;

namespace SuperCloud.Lab.ApiServer;

/// <content>patch: JSON patch, merge patch, strategic merge patch (built-ins only, as kube) and server-side apply.</content>
internal sealed partial class ApiHandler
{
    private const string JsonPatchType = "application/json-patch+json";
    private const string MergePatchType = "application/merge-patch+json";
    private const string StrategicPatchType = "application/strategic-merge-patch+json";
    private const string ApplyPatchType = "application/apply-patch+yaml";

    private async Task PatchAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var resource = request.Resource;
        var contentType = (request.Context.Request.ContentType ?? "").Split(';')[0].Trim();
        var custom = resource.Schema is not null;
        if (contentType is not (JsonPatchType or MergePatchType or StrategicPatchType or ApplyPatchType) || (custom && contentType == StrategicPatchType))
        {
            var accepted = custom
                ? $"{JsonPatchType}, {MergePatchType}, {ApplyPatchType}"
                : $"{JsonPatchType}, {MergePatchType}, {StrategicPatchType}, {ApplyPatchType}";
            throw Errors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: {accepted}");
        }

        if (contentType != ApplyPatchType && request.Query("force") is { Length: > 0 })
        {
            throw Errors.Invalid422Options("force: Forbidden: may not be specified for non-apply patch");
        }

        using var reader = new StreamReader(request.Context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        WriteOutcome outcome;
        if (contentType == ApplyPatchType)
        {
            outcome = ServerSideApply(request, text);
        }
        else
        {
            var patch = ParsePatch(text);
            outcome = operations.Patch(resource, request.Namespace, request.Name!, current => contentType switch
            {
                JsonPatchType => JsonPatch.Apply(current!, patch) as JsonObject ?? throw Errors.BadRequest("the patch result is not a JSON object"),
                MergePatchType => MergePatch.Apply(current!, patch) as JsonObject ?? throw Errors.BadRequest("the patch result is not a JSON object"),
                _ => StrategicMergePatch.Apply(current!, patch as JsonObject ?? throw Errors.BadRequest("the strategic merge patch is not a JSON object"), resource.ApiVersion, resource.Kind),
            }, request.WriteOptions(isPatch: true), request.Subresource, createIfMissing: false);
        }

        HttpIo.AddWarnings(request.Context, outcome.Warnings);
        await HttpIo.WriteJsonAsync(request.Context, outcome.Created ? 201 : 200, AsServed(resource, outcome.Object), cancellationToken);
    }

    private static JsonNode ParsePatch(string text)
    {
        try
        {
            return Json.ParseRequest(text) ?? throw Errors.BadRequest("the patch is null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Errors.BadRequest($"error decoding patch: {e.Message}");
        }
    }

    private WriteOutcome ServerSideApply(ApiRequest request, string text)
    {
        var resource = request.Resource;
        var applied = ApplyConfiguration.Parse(text);
        var manager = request.Query("fieldManager") ?? "";
        var force = request.Flag("force");
        if (request.Subresource is null && Store.Peek(resource, request.Namespace, request.Name!) is null)
        {
            // An apply that creates the object needs the create verb too, as kube's patch handler checks.
            security.Require(Auth.RequestAttributes.ForResource(
                Auth.RequestSecurity.UserOf(request.Context), "create", resource.Group, resource.Plural, "", request.Namespace, request.Name));
        }

        return operations.Patch(resource, request.Namespace, request.Name!, current => Patching.ServerSideApply.Apply(
                current, applied, manager, force, resource.ApiVersion, resource.Kind, resource.Schema, time.GetUtcNow(),
                request.Subresource, resource.HasStatusSubresource),
            request.WriteOptions(isApply: true), request.Subresource, createIfMissing: true);
    }
}
