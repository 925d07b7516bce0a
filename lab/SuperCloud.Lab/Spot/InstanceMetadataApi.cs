using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.Spot;

/// <summary>
/// The instance metadata service of one lab host, IMDSv2 only (tokens required, as with HttpTokens=required):
/// <c>PUT /latest/api/token</c>, then <c>/latest/meta-data/spot/instance-action</c> (the termination notice, 404 while
/// there is none), <c>/latest/meta-data/events/recommendations/rebalance</c>, <c>instance-id</c>,
/// <c>instance-life-cycle</c> and <c>placement/availability-zone</c>.
/// </summary>
/// <param name="host">The lab host.</param>
/// <param name="store">The market, where notices are posted.</param>
/// <param name="time">The clock for token expiry.</param>
public sealed class InstanceMetadataApi(string host, SpotMarketStore store, TimeProvider time)
{
    /// <summary>The header a token request gives its lifetime in.</summary>
    public const string TtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

    /// <summary>The header metadata requests carry their token in.</summary>
    public const string TokenHeader = "X-aws-ec2-metadata-token";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    /// <summary>Answers one request.</summary>
    public InstanceMetadataResponse Handle(string method, string path, Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var now = time.GetUtcNow();
        if (path == "/latest/api/token")
        {
            if (method != "PUT")
            {
                return new InstanceMetadataResponse(405, "text/plain", "");
            }

            // IMDS refuses token requests that went through a proxy.
            if (header("X-Forwarded-For") is not null)
            {
                return new InstanceMetadataResponse(403, "text/plain", "");
            }

            if (!int.TryParse(header(TtlHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl < 1 || ttl > 21600)
            {
                return new InstanceMetadataResponse(400, "text/plain", "");
            }

            foreach (var (old, expiry) in _tokens)
            {
                if (expiry <= now)
                {
                    _tokens.TryRemove(old, out _);
                }
            }

            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42));
            _tokens[token] = now.AddSeconds(ttl);
            return new InstanceMetadataResponse(200, "text/plain", token);
        }

        if (method != "GET")
        {
            return new InstanceMetadataResponse(405, "text/plain", "");
        }

        if (header(TokenHeader) is not { } given || !_tokens.TryGetValue(given, out var until) || until <= now)
        {
            return new InstanceMetadataResponse(401, "text/plain", "");
        }

        var state = store.Read();
        var instance = state?.Instances.Values.FirstOrDefault(i => i.Host == host);
        if (state is null || instance is null)
        {
            return NotFound();
        }

        var notice = state.Notices.GetValueOrDefault(host);
        return path switch
        {
            "/latest/meta-data/instance-id" => Text(instance.InstanceId),
            "/latest/meta-data/instance-type" => Text(instance.InstanceType),
            "/latest/meta-data/instance-life-cycle" => Text(instance.Spot ? "spot" : "on-demand"),
            "/latest/meta-data/placement/availability-zone" => Text(instance.Zone),
            "/latest/meta-data/spot/instance-action" when instance.Spot && notice is { Action: { } action, Time: { } at } =>
                Json(new JsonObject { ["action"] = action, ["time"] = Iso(at) }),
            "/latest/meta-data/spot/termination-time" when instance.Spot && notice is { Action: "terminate", Time: { } at } => Text(Iso(at)),
            "/latest/meta-data/events/recommendations/rebalance" when instance.Spot && notice is { RebalanceTime: { } posted } =>
                Json(new JsonObject { ["noticeTime"] = Iso(posted) }),
            _ => NotFound(),
        };
    }

    private static InstanceMetadataResponse Text(string body) => new(200, "text/plain", body);

    private static InstanceMetadataResponse Json(JsonObject body) => new(200, "text/plain", body.ToJsonString());

    private static InstanceMetadataResponse NotFound() => new(404, "text/html", "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<title>404 - Not Found</title>");

    private static string Iso(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
