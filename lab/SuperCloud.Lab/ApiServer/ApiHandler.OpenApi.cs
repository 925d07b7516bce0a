using SuperCloud.Lab.ApiServer.OpenApi;

namespace SuperCloud.Lab.ApiServer;

/// <content>OpenAPI documents (<c>/openapi/v2</c>, <c>/openapi/v3</c>, <c>/openapi/v3/apis/{group}/{version}</c>).</content>
internal sealed partial class ApiHandler
{
    private async Task HandleOpenApiAsync(HttpContext context, string path, CancellationToken cancellationToken)
    {
        var resources = Registry.All;
        if (path == "/openapi/v2")
        {
            await HttpIo.WriteJsonAsync(context, 200, OpenApiV2.Build(resources), cancellationToken);
            return;
        }

        if (path == "/openapi/v3")
        {
            await HttpIo.WriteJsonAsync(context, 200, OpenApiV3.BuildIndex(resources), cancellationToken);
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var (group, version) = segments switch
        {
            ["openapi", "v3", "api", var v] => ("", v),
            ["openapi", "v3", "apis", var g, var v] => (g, v),
            _ => throw NotFoundPath(),
        };
        var served = Registry.InGroupVersion(group, version);
        if (served.Count == 0)
        {
            throw NotFoundPath();
        }

        var document = OpenApiV3.BuildGroupVersion(group, version, served);
        context.Response.Headers.ETag = $"\"{OpenApiV3.Hash(document)}\"";
        context.Response.Headers.CacheControl = context.Request.Query.ContainsKey("hash") ? "public, immutable" : "no-cache, private";
        await HttpIo.WriteJsonAsync(context, 200, document, cancellationToken);
    }
}
