using SuperCloud.Lab.ApiServer.OpenApi;

namespace SuperCloud.Lab.ApiServer;

/// <content>OpenAPI documents (<c>/openapi/v2</c>, <c>/openapi/v3</c>, <c>/openapi/v3/apis/{group}/{version}</c>).</content>
internal sealed partial class ApiHandler
{
    private readonly OpenApiCache _openApi = new();

    private async Task HandleOpenApiAsync(HttpContext context, string path, CancellationToken cancellationToken)
    {
        var resources = Registry.All;
        if (path == "/openapi/v2")
        {
            // The v2 document exists only as JSON here; client-go asks for protobuf and, on 406, falls back cleanly.
            if (!AcceptsJson(context.Request.Headers.Accept.ToString()))
            {
                throw new StatusException(406, "NotAcceptable", "only the following media types are accepted: application/json");
            }

            await WriteBytesAsync(context, _openApi.V2(resources), cancellationToken);
            return;
        }

        if (path == "/openapi/v3")
        {
            await WriteBytesAsync(context, _openApi.Index(resources), cancellationToken);
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var (group, version) = segments switch
        {
            ["openapi", "v3", "api", var v] => ("", v),
            ["openapi", "v3", "apis", var g, var v] => (g, v),
            _ => throw NotFoundPath(),
        };
        var (body, hash) = _openApi.GroupVersion(resources, group, version) ?? throw NotFoundPath();
        context.Response.Headers.ETag = $"\"{hash}\"";
        context.Response.Headers.CacheControl = context.Request.Query.ContainsKey("hash") ? "public, immutable" : "no-cache, private";
        await WriteBytesAsync(context, body, cancellationToken);
    }

    /// <summary>Whether an Accept header admits JSON (absent, <c>*/*</c>, <c>application/*</c> or <c>application/json</c>).</summary>
    private static bool AcceptsJson(string accept) =>
        string.IsNullOrWhiteSpace(accept) || accept.Split(',').Select(part => part.Split(';')[0].Trim())
            .Any(type => type is "*/*" or "application/*" or "application/json");

    private static async Task WriteBytesAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken);
    }
}
