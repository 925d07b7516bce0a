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
            // kubectl's validation asks for the protobuf form first; JSON for everyone else.
            var accept = context.Request.Headers.Accept.ToString();
            context.Response.Headers.Vary = "Accept";
            if (Accepts(accept, OpenApiV2Protobuf.RequestedType) || Accepts(accept, OpenApiV2Protobuf.ContentType))
            {
                await WriteBytesAsync(context, _openApi.V2Protobuf(resources), cancellationToken, OpenApiV2Protobuf.ContentType);
                return;
            }

            if (!AcceptsJson(accept))
            {
                throw new StatusException(406, "NotAcceptable",
                    $"only the following media types are accepted: application/json, {OpenApiV2Protobuf.ContentType}");
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

    /// <summary>Whether an Accept header names <paramref name="type"/> itself (not only through a wildcard).</summary>
    private static bool Accepts(string accept, string type) =>
        accept.Split(',').Any(part => string.Equals(part.Split(';')[0].Trim(), type, StringComparison.OrdinalIgnoreCase));

    private static async Task WriteBytesAsync(HttpContext context, byte[] body, CancellationToken cancellationToken, string contentType = "application/json")
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken);
    }
}
