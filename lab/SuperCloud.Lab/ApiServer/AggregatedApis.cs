using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using SuperCloud.Lab.ApiServer.Auth;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// kube-apiserver's aggregation layer: a request for a group version an <c>APIService</c> hands to a Service is proxied
/// to that Service's endpoint over TLS (verified with the APIService's caBundle for <c>NAME.NAMESPACE.svc</c>), presenting
/// the front-proxy client certificate and naming the already authenticated and authorised user in <c>X-Remote-User</c>,
/// <c>X-Remote-Group</c> and <c>X-Remote-Extra-*</c>; upgrades (WebSocket, SPDY) are relayed byte for byte.
/// </summary>
internal sealed class AggregatedApis(ObjectStore store, X509Certificate2? frontProxyCertificate)
{
    private static readonly ApiResource ApiServices = BuiltInResources.All.Single(r => r.Plural == "apiservices");
    private static readonly ApiResource Services = BuiltInResources.All.Single(r => r.Plural == "services");
    private static readonly ApiResource Endpoints = BuiltInResources.All.Single(r => r.Plural == "endpoints");

    // Hop-by-hop headers and the ones the proxy sets itself are never copied.
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Content-Length",
        "Impersonate-User", "Impersonate-Group", "Impersonate-Uid",
    };

    /// <summary>The APIService object that delegates <paramref name="group"/>/<paramref name="version"/> to a Service, or null.</summary>
    public JsonObject? Find(string? group, string? version) =>
        string.IsNullOrEmpty(group) || string.IsNullOrEmpty(version) ? null
        : store.Peek(ApiServices, null, $"{version}.{group}") is { } service && service["spec"]?["service"] is JsonObject ? service : null;

    /// <summary>Proxies the request to the APIService's backend.</summary>
    public async Task ProxyAsync(HttpContext context, JsonObject apiService, CancellationToken cancellationToken)
    {
        var user = RequestSecurity.UserOf(context);
        var (endpoint, serverName) = Resolve(apiService);
        var validate = Validator(apiService, serverName);
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true })
        {
            await RelayUpgradeAsync(context, upgrade, user, endpoint, serverName, validate, cancellationToken);
            return;
        }

        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                ClientCertificates = frontProxyCertificate is null ? null : [frontProxyCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => validate(certificate),
            },
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method),
            new Uri($"https://{endpoint}{context.Request.Path}{context.Request.QueryString}"));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        foreach (var (name, values) in RequestHeaders(context, user))
        {
            request.Headers.TryAddWithoutValidation(name, values);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers).Where(h => !SkippedHeaders.Contains(h.Key)))
        {
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await body.CopyToAsync(context.Response.Body, cancellationToken);
    }

    // The Service's endpoint, as kube-apiserver resolves it (spec.service of the APIService, its port, the Endpoints).
    private (string Endpoint, string ServerName) Resolve(JsonObject apiService)
    {
        var reference = apiService["spec"]!["service"]!;
        var ns = reference["namespace"]?.GetValue<string>() ?? "";
        var name = reference["name"]?.GetValue<string>() ?? "";
        var port = reference["port"]?.GetValue<int>() ?? 443;
        var apiServiceName = Json.Name(apiService);
        var service = store.Peek(Services, ns, name)
            ?? throw Unavailable($"service \"{ns}/{name}\" of APIService {apiServiceName} not found");
        var servicePort = (service["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(p => p["port"]?.GetValue<int>() == port)
            ?? throw Unavailable($"service \"{ns}/{name}\" has no port {port} (APIService {apiServiceName})");
        var portName = servicePort["name"]?.GetValue<string>();
        var targetPort = servicePort["targetPort"] is JsonValue target && target.TryGetValue<int>(out var number) ? number : port;
        var subsets = (store.Peek(Endpoints, ns, name)?["subsets"] as JsonArray)?.OfType<JsonObject>() ?? [];
        foreach (var subset in subsets)
        {
            var address = (subset["addresses"] as JsonArray)?.OfType<JsonObject>().Select(a => a["ip"]?.GetValue<string>()).FirstOrDefault(ip => !string.IsNullOrEmpty(ip));
            var ports = (subset["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            var endpointPort = ports.FirstOrDefault(p => portName is not null && p["name"]?.GetValue<string>() == portName)
                ?? ports.FirstOrDefault(p => p["port"]?.GetValue<int>() == targetPort) ?? (ports.Count == 1 ? ports[0] : null);
            if (address is not null && endpointPort?["port"]?.GetValue<int>() is { } p)
            {
                var host = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
                return ($"{host}:{p.ToString(CultureInfo.InvariantCulture)}", $"{name}.{ns}.svc");
            }
        }

        throw Unavailable($"no endpoints available for service \"{ns}/{name}\" (APIService {apiServiceName})");
    }

    // The backend's certificate must chain to the APIService's caBundle and name the Service, as kube checks it.
    private static Func<X509Certificate?, bool> Validator(JsonObject apiService, string serverName)
    {
        var spec = apiService["spec"]!;
        if (spec["insecureSkipTLSVerify"]?.GetValue<bool>() == true)
        {
            return _ => true;
        }

        var bundle = new X509Certificate2Collection();
        if (spec["caBundle"]?.GetValue<string>() is { Length: > 0 } caBundle)
        {
            bundle.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
        }

        return certificate =>
        {
            if (certificate is null || bundle.Count == 0)
            {
                return false;
            }

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(bundle);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf) && leaf.MatchesHostname(serverName);
        };
    }

    private static IEnumerable<(string Name, string[] Values)> RequestHeaders(HttpContext context, UserInfo user)
    {
        foreach (var header in context.Request.Headers.Where(h => !SkippedHeaders.Contains(h.Key)
                     && !h.Key.StartsWith("X-Remote-", StringComparison.OrdinalIgnoreCase) && !h.Key.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase)
                     && !h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)))
        {
            yield return (header.Key, [.. header.Value.Select(v => v ?? "")]);
        }

        yield return ("X-Remote-User", [user.Username]);
        if (user.Groups.Count > 0)
        {
            yield return ("X-Remote-Group", [.. user.Groups]);
        }

        foreach (var (key, values) in user.Extra)
        {
            yield return ("X-Remote-Extra-" + Uri.EscapeDataString(key), [.. values]);
        }
    }

    // An upgrade is relayed as kube's UpgradeAwareHandler does: the request goes to the backend as it came (with the
    // user's headers); a 101 answer is passed on and both streams are then copied byte for byte; any other answer is
    // passed on as it is.
    private async Task RelayUpgradeAsync(
        HttpContext context, IHttpUpgradeFeature upgrade, UserInfo user, string endpoint, string serverName, Func<X509Certificate?, bool> validate,
        CancellationToken cancellationToken)
    {
        var separator = endpoint.LastIndexOf(':');
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint[..separator].Trim('[', ']'), int.Parse(endpoint[(separator + 1)..], CultureInfo.InvariantCulture), cancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            ClientCertificates = frontProxyCertificate is null ? null : [frontProxyCertificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => validate(certificate),
        }, cancellationToken);

        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} HTTP/1.1\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Host: {serverName}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Connection: Upgrade\r\nUpgrade: {context.Request.Headers.Upgrade}\r\n");
        foreach (var (name, values) in RequestHeaders(context, user).Where(h => !h.Name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var value in values)
            {
                head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            }
        }

        head.Append("\r\n");
        await tls.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        await tls.FlushAsync(cancellationToken);

        var (status, headers, rest) = await ReadResponseHeadAsync(tls, cancellationToken);
        if (status != 101)
        {
            context.Response.StatusCode = status;
            foreach (var (name, value) in headers.Where(h => !SkippedHeaders.Contains(h.Name)))
            {
                context.Response.Headers.Append(name, value);
            }

            var length = headers.Where(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(h => long.Parse(h.Value, CultureInfo.InvariantCulture)).FirstOrDefault(-1);
            await context.Response.Body.WriteAsync(rest, cancellationToken);
            var remaining = length < 0 ? long.MaxValue : length - rest.Length;
            var buffer = new byte[8192];
            while (remaining > 0)
            {
                var read = await tls.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                remaining -= read;
            }

            return;
        }

        // Kestrel's upgrade writes Connection itself; the backend's Upgrade (the protocol switched to) is passed on.
        foreach (var (name, value) in headers.Where(h => !h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.Headers.Append(name, value);
        }

        await using var client = await upgrade.UpgradeAsync();
        await client.WriteAsync(rest, cancellationToken);
        using var relay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = CopyAsync(client, tls, relay);
        var down = CopyAsync(tls, client, relay);
        await Task.WhenAll(up, down);
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationTokenSource relay)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, relay.Token);
                if (read == 0)
                {
                    break;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), relay.Token);
                await to.FlushAsync(relay.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // One side closed; the other is closed below.
        }
        finally
        {
            // Either direction ending ends the session, as a closed connection does.
            await relay.CancelAsync();
        }
    }

    private static async Task<(int Status, List<(string Name, string Value)> Headers, byte[] Body)> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw Unavailable("the aggregated API server closed the connection before it answered");
            }

            received.AddRange(buffer.AsSpan(0, read));
            var all = received.ToArray();
            var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var lines = Encoding.ASCII.GetString(all, 0, end).Split("\r\n");
                var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
                var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2).Select(p => (p[0].Trim(), p[1].Trim())).ToList();
                return (status, headers, all[(end + 4)..]);
            }

            if (received.Count > 64 * 1024)
            {
                throw Unavailable("the aggregated API server's answer has no end of headers within 64 KiB");
            }
        }
    }

    private static StatusException Unavailable(string message) => new(503, "ServiceUnavailable", message);
}
