using System.Text;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;

namespace SuperCloud.Lab.ApiServer;

/// <content>The scale subresource: get, update and (merge or JSON) patch of an autoscaling/v1 Scale.</content>
internal sealed partial class ApiHandler
{
    private async Task ScaleAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var resource = request.Resource;
        var scale = ScaleSubresource.For(resource, Store)!;
        var name = request.Name!;
        JsonObject result;
        switch (request.Context.Request.Method)
        {
            case "GET":
                var current = Store.Get(resource, request.Namespace, name) ?? throw Errors.NotFound(resource, name);
                result = scale.ToScale(current);
                break;
            case "PUT":
                var body = await HttpIo.ReadObjectAsync(request.Context.Request, cancellationToken);
                result = scale.ToScale(operations.Patch(resource, request.Namespace, name, obj => scale.Apply(obj!, body),
                    request.WriteOptions(), null, createIfMissing: false).Object);
                break;
            case "PATCH":
                var contentType = (request.Context.Request.ContentType ?? "").Split(';')[0].Trim();
                using (var reader = new StreamReader(request.Context.Request.Body, Encoding.UTF8))
                {
                    var patch = ParsePatch(await reader.ReadToEndAsync(cancellationToken));
                    result = scale.ToScale(operations.Patch(resource, request.Namespace, name, obj =>
                    {
                        var view = scale.ToScale(obj!);
                        var patched = contentType switch
                        {
                            JsonPatchType => JsonPatch.Apply(view, patch),
                            MergePatchType or StrategicPatchType => MergePatch.Apply(view, patch),
                            _ => throw Errors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: {JsonPatchType}, {MergePatchType}, {StrategicPatchType}"),
                        };
                        return scale.Apply(obj!, patched as JsonObject ?? throw Errors.BadRequest("the patched Scale is not an object"));
                    }, request.WriteOptions(), null, createIfMissing: false).Object);
                }

                break;
            default:
                throw Errors.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        await HttpIo.WriteJsonAsync(request.Context, 200, result, cancellationToken);
    }
}
