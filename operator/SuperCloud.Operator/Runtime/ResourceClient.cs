using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Typed access to one kind through the raw REST API of a <see cref="Kubernetes"/> client: the same code serves
/// built-in kinds and CRDs, and exposes what the generated API hides (list resourceVersion, watch from a version
/// with bookmarks, 410 Gone).
/// </summary>
/// <typeparam name="T">The kind.</typeparam>
public sealed class ResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The content type of a JSON merge patch.</summary>
    public const string MergePatch = "application/merge-patch+json";

    /// <summary>The content type of a JSON patch.</summary>
    public const string JsonPatch = "application/json-patch+json";

    private readonly Kubernetes _client;

    /// <summary>Creates a client for <typeparamref name="T"/>.</summary>
    public ResourceClient(Kubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        Type = ResourceType.For<T>();
    }

    /// <summary>The kind's API coordinates.</summary>
    public ResourceType Type { get; }

    /// <summary>Lists one page of objects (all namespaces when <paramref name="namespace"/> is null).</summary>
    public async Task<ResourceList<T>> ListAsync(
        string? @namespace, string? labelSelector, string? fieldSelector, int? limit, string? continueToken, string? resourceVersion,
        CancellationToken cancellationToken)
    {
        var query = Query(
            ("labelSelector", labelSelector), ("fieldSelector", fieldSelector),
            ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("continue", continueToken), ("resourceVersion", resourceVersion));
        using var response = await SendAsync(HttpMethod.Get, Type.CollectionPath(@namespace) + query, null, null, "list", cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        var root = document.RootElement;
        var items = new List<T>();
        if (root.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in array.EnumerateArray())
            {
                items.Add(Normalize(KubernetesJson.Deserialize<T>(element)));
            }
        }

        string? version = null;
        string? next = null;
        if (root.TryGetProperty("metadata", out var metadata))
        {
            version = metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
            next = metadata.TryGetProperty("continue", out var c) ? c.GetString() : null;
        }

        return new ResourceList<T>(items, version ?? string.Empty, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks; the server ends the stream after
    /// <paramref name="timeout"/>. A 410 answer throws <see cref="KubernetesApiException"/> with <see cref="KubernetesApiException.IsGone"/>.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(
        string? @namespace, string? labelSelector, string? fieldSelector, string? resourceVersion, TimeSpan timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = Query(
            ("watch", "true"), ("allowWatchBookmarks", "true"), ("labelSelector", labelSelector), ("fieldSelector", fieldSelector),
            ("resourceVersion", resourceVersion), ("timeoutSeconds", ((int)Math.Max(1, timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)));
        using var response = await SendAsync(HttpMethod.Get, Type.CollectionPath(@namespace) + query, null, null, "watch", cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return ParseEvent(line);
        }
    }

    /// <summary>Reads one object; null when it does not exist.</summary>
    public async Task<T?> GetAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, Type.ObjectPath(key), null, null, $"get {Type.Kind} {key}", cancellationToken);
            return await ReadObjectAsync(response, cancellationToken);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Creates <paramref name="obj"/> in its namespace.</summary>
    public async Task<T> CreateAsync(T obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(obj);
        Normalize(obj);
        using var response = await SendAsync(
            HttpMethod.Post, Type.CollectionPath(obj.Metadata?.NamespaceProperty), KubernetesJson.Serialize(obj), "application/json",
            $"create {Type.Kind} {obj.Metadata?.Name}", cancellationToken);
        return await ReadObjectAsync(response, cancellationToken);
    }

    /// <summary>Replaces <paramref name="obj"/> (or its <paramref name="subresource"/>) with optimistic concurrency on its resourceVersion.</summary>
    public async Task<T> ReplaceAsync(T obj, string? subresource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(obj);
        Normalize(obj);
        var key = ObjectKey.From(obj);
        using var response = await SendAsync(
            HttpMethod.Put, Type.ObjectPath(key, subresource), KubernetesJson.Serialize(obj), "application/json",
            $"replace {Type.Kind} {key}{(subresource is null ? string.Empty : "/" + subresource)}", cancellationToken);
        return await ReadObjectAsync(response, cancellationToken);
    }

    /// <summary>Patches one object (or its <paramref name="subresource"/>) with a body of <paramref name="contentType"/>.</summary>
    public async Task<T> PatchAsync(ObjectKey key, string patch, string contentType, string? subresource, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(patch);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        using var response = await SendAsync(
            HttpMethod.Patch, Type.ObjectPath(key, subresource), patch, contentType,
            $"patch {Type.Kind} {key}{(subresource is null ? string.Empty : "/" + subresource)}", cancellationToken);
        return await ReadObjectAsync(response, cancellationToken);
    }

    /// <summary>Reads one object as raw JSON (keeps fields the C# type does not model); null when it does not exist.</summary>
    public async Task<JsonObject?> GetJsonAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, Type.ObjectPath(key), null, null, $"get {Type.Kind} {key}", cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken) as JsonObject
                ?? throw new KubernetesApiException($"get {Type.Kind} {key} returned something other than a JSON object");
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Replaces one object (or its <paramref name="subresource"/>) from raw JSON, with optimistic concurrency on its resourceVersion.</summary>
    public async Task<T> ReplaceJsonAsync(ObjectKey key, JsonObject obj, string? subresource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(obj);
        using var response = await SendAsync(
            HttpMethod.Put, Type.ObjectPath(key, subresource), obj.ToJsonString(), "application/json",
            $"replace {Type.Kind} {key}{(subresource is null ? string.Empty : "/" + subresource)}", cancellationToken);
        return await ReadObjectAsync(response, cancellationToken);
    }

    /// <summary>Deletes one object; returns false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Delete, Type.ObjectPath(key), null, null, $"delete {Type.Kind} {key}", cancellationToken);
            return true;
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }

    private static async Task<T> ReadObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return KubernetesJson.Deserialize<T>(stream);
    }

    private WatchEvent<T> ParseEvent(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var typeName = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        var type = typeName switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => throw new KubernetesApiException($"watch of {Type.Plural} sent an event of unknown type '{typeName}'"),
        };
        if (!root.TryGetProperty("object", out var payload))
        {
            throw new KubernetesApiException($"watch of {Type.Plural} sent a {typeName} event without an object");
        }

        // A bookmark carries only metadata.resourceVersion: deserializing it as T would fail on T's required fields.
        return type switch
        {
            WatchEventType.Error => new WatchEvent<T>(type, null, KubernetesJson.Deserialize<V1Status>(payload)),
            WatchEventType.Bookmark => new WatchEvent<T>(type, null, null, BookmarkVersion(payload, typeName)),
            _ => new WatchEvent<T>(type, Normalize(KubernetesJson.Deserialize<T>(payload)), null),
        };
    }

    private string BookmarkVersion(JsonElement payload, string? typeName)
    {
        if (payload.TryGetProperty("metadata", out var metadata)
            && metadata.TryGetProperty("resourceVersion", out var version)
            && version.GetString() is { Length: > 0 } resourceVersion)
        {
            return resourceVersion;
        }

        throw new KubernetesApiException($"watch of {Type.Plural} sent a {typeName} event without metadata.resourceVersion");
    }

    private T Normalize(T obj)
    {
        // List items come without apiVersion/kind; the cache and event recorder need them.
        obj.ApiVersion ??= Type.ApiVersion;
        obj.Kind ??= Type.Kind;
        return obj;
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string pathAndQuery, string? body, string? contentType, string operation, CancellationToken cancellationToken)
    {
        var baseUri = _client.BaseUri.ToString().TrimEnd('/');
        using var request = new HttpRequestMessage(method, new Uri(baseUri + pathAndQuery));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }

        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        // Headers only: a watch body is a stream that lasts minutes and must not be buffered.
        var response = await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            V1Status? status = null;
            try
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                status = text.Length > 0 ? KubernetesJson.Deserialize<V1Status>(text) : null;
            }
            catch (JsonException)
            {
                // Not a Status body (a proxy's HTML error page, say): the HTTP status code still tells what happened.
            }

            throw new KubernetesApiException(response.StatusCode, status, operation);
        }
    }
}
