using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Reading request bodies and writing JSON responses, Status failures and Warning headers.</summary>
internal static class HttpIo
{
    public static async Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode body, CancellationToken cancellationToken, string contentType = "application/json")
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(Json.Options));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, cancellationToken);
    }

    public static Task WriteStatusAsync(HttpContext context, StatusException error, CancellationToken cancellationToken)
    {
        if (error.RetryAfterSeconds is { } retry)
        {
            context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(context, error.Code, StatusBody.Failure(error), cancellationToken);
    }

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Only JSON (the default when no type is given, as kube's) and YAML bodies are decoded here; anything else — CBOR so
    /// client-go falls back to JSON, text/plain, form data — gets 415 instead of being guessed at.
    /// </summary>
    public static void RequireJson(HttpRequest request)
    {
        var type = (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (type is not ("" or "application/json" or "application/yaml"))
        {
            throw Errors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
        }
    }

    public static void AddWarnings(HttpContext context, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings)
        {
            var escaped = warning.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            context.Response.Headers.Append("Warning", $"299 - \"{escaped}\"");
        }
    }

    /// <summary>Reads an object body: JSON, YAML (<c>application/yaml</c>) or a protobuf envelope; 400 with kube's wording otherwise.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var yaml = (request.ContentType ?? "").Split(';')[0].Trim() == "application/yaml";
        if (ProtobufBodies.IsProtobuf(request.ContentType))
        {
            return ProtobufBodies.Decode(await ReadBytesAsync(request, cancellationToken));
        }

        RequireJson(request);
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Errors.BadRequest("the body of the request was empty");
        }

        JsonNode? node;
        try
        {
            node = yaml ? YamlJson.Parse(text) : Json.ParseRequest(text);
        }
        catch (JsonException e)
        {
            throw Errors.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException)
        {
            throw Errors.BadRequest($"error converting YAML to JSON: {e.Message}");
        }

        return node as JsonObject ?? throw Errors.BadRequest("couldn't get version/kind; json parse error: the body is not a JSON object");
    }

    public static async Task<JsonNode?> ReadNodeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (ProtobufBodies.IsProtobuf(request.ContentType))
        {
            var bytes = await ReadBytesAsync(request, cancellationToken);
            return bytes.Length == 0 ? null : ProtobufBodies.Decode(bytes);
        }

        RequireJson(request);
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return Json.ParseRequest(text);
        }
        catch (JsonException e)
        {
            throw Errors.BadRequest($"json parse error: {e.Message}");
        }
    }
}
