using System.Globalization;
using System.Net;
using System.Text.Json;

namespace SuperCloud.NodeAgent.Interruption;

/// <summary>
/// An IMDSv2 client: a session token from <c>PUT /latest/api/token</c>, renewed before its TTL ends or when the service
/// answers 401, on every <c>GET</c>. Reads the spot interruption notice and the rebalance recommendation.
/// </summary>
/// <param name="http">An HttpClient whose BaseAddress is the metadata service.</param>
/// <param name="options">Token lifetime.</param>
/// <param name="time">The clock for the token's age.</param>
public sealed class InstanceMetadataClient(HttpClient http, InstanceMetadataOptions options, TimeProvider time) : IDisposable
{
    /// <summary>The path of the spot interruption notice.</summary>
    public const string InstanceActionPath = "/latest/meta-data/spot/instance-action";

    /// <summary>The path of the rebalance recommendation.</summary>
    public const string RebalancePath = "/latest/meta-data/events/recommendations/rebalance";

    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private string? _token;
    private DateTimeOffset _tokenExpiry;

    /// <inheritdoc/>
    public void Dispose()
    {
        _tokenLock.Dispose();
        http.Dispose();
    }

    /// <summary>The interruption notice, else the rebalance recommendation, else null.</summary>
    public async Task<SpotInterruption?> GetInterruptionAsync(CancellationToken cancellationToken)
    {
        if (await GetAsync(InstanceActionPath, cancellationToken) is { } action)
        {
            var notice = Parse(action, InstanceActionPath);
            var kind = notice.TryGetProperty("action", out var a) ? a.GetString() : null;
            if (kind is not ("terminate" or "stop" or "hibernate"))
            {
                throw new InstanceMetadataException($"{InstanceActionPath}: unexpected action '{kind}' in {action}");
            }

            return new SpotInterruption(kind == "hibernate" ? "stop" : kind, Time(notice, "time", InstanceActionPath));
        }

        if (await GetAsync(RebalancePath, cancellationToken) is { } rebalance)
        {
            return new SpotInterruption("rebalance", Time(Parse(rebalance, RebalancePath), "noticeTime", RebalancePath));
        }

        return null;
    }

    /// <summary>The body of <paramref name="path"/>, or null when the service answers 404.</summary>
    public async Task<string?> GetAsync(string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await TokenAsync(renew: attempt > 0, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-aws-ec2-metadata-token", token);
            using var response = await SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                continue;
            }

            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new InstanceMetadataException($"GET {path}: HTTP {(int)response.StatusCode}");
            }

            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
    }

    private async Task<string> TokenAsync(bool renew, CancellationToken cancellationToken)
    {
        await _tokenLock.WaitAsync(cancellationToken);
        try
        {
            // Renewed at 90 % of its life: a request never carries a token about to expire.
            if (!renew && _token is not null && time.GetUtcNow() < _tokenExpiry)
            {
                return _token;
            }

            var ttl = (int)options.TokenTtl.TotalSeconds;
            using var request = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
            request.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", ttl.ToString(CultureInfo.InvariantCulture));
            using var response = await SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InstanceMetadataException($"PUT /latest/api/token: HTTP {(int)response.StatusCode}");
            }

            _token = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            _tokenExpiry = time.GetUtcNow() + (options.TokenTtl * 0.9);
            return _token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new InstanceMetadataException($"{request.Method} {request.RequestUri}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InstanceMetadataException($"{request.Method} {request.RequestUri}: no answer within {http.Timeout}", e);
        }
    }

    private static JsonElement Parse(string body, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new InstanceMetadataException($"{path}: expected a JSON object, got {body}");
        }
        catch (JsonException e)
        {
            throw new InstanceMetadataException($"{path}: not JSON: {body}", e);
        }
    }

    private static DateTime Time(JsonElement element, string property, string path) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new InstanceMetadataException($"{path}: '{property}' is missing or not a time");
}
