using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>
/// The aggregation layer as kube-apiserver's: a group version an APIService hands to a Service is proxied to its endpoint
/// over TLS checked against the caBundle, with the front-proxy certificate and the user in X-Remote-* headers, after
/// authentication and RBAC; WebSocket upgrades are relayed.
/// </summary>
public sealed class AggregatedApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Validity = TimeSpan.FromHours(1);
    private readonly CertificateAuthority _apiCa = CertificateAuthority.Create("lab-test-ca", Validity, TimeProvider.System);
    private readonly CertificateAuthority _frontProxyCa = CertificateAuthority.Create("front-proxy-ca", Validity, TimeProvider.System);
    private readonly CertificateAuthority _backendCa = CertificateAuthority.Create("backend-ca", Validity, TimeProvider.System);
    private TestCluster _cluster = null!;
    private WebApplication _backend = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        var serving = _apiCa.IssueServing("lab-apiserver", ["localhost"], [IPAddress.Loopback], Validity);
        _cluster = await TestCluster.StartAsync(
            new LabApiServerOptions
            {
                Tls = new LabApiServerTls(serving, _apiCa.Certificate, [_apiCa.Certificate]),
                FrontProxyClientCertificate = _frontProxyCa.IssueUser("front-proxy-client", [], Validity),
            },
            withWidgets: false);

        var backendCertificate = _backendCa.IssueServing("echo", ["echo.team.svc"], [IPAddress.Loopback], Validity);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(h =>
        {
            h.ServerCertificate = backendCertificate;
            h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            h.ClientCertificateValidation = static (_, _, _) => true;
        })));
        _backend = builder.Build();
        _backend.UseWebSockets();
        _backend.Run(EchoAsync);
        await _backend.StartAsync();
        var port = new Uri(_backend.Urls.First()).Port;

        await CreateAsync("/api/v1/namespaces", """{"metadata":{"name":"team"}}""");
        await CreateAsync("/api/v1/namespaces/team/services", """{"metadata":{"name":"echo"},"spec":{"ports":[{"name":"https","port":443,"targetPort":8443}]}}""");
        await CreateAsync("/api/v1/namespaces/team/endpoints",
            $$"""{"metadata":{"name":"echo"},"subsets":[{"addresses":[{"ip":"127.0.0.1"}],"ports":[{"name":"https","port":{{port}}}]}]}""");
        await CreateAsync("/apis/apiregistration.k8s.io/v1/apiservices", ApiService("v1", _backendCa.Certificate));
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _cluster.DisposeAsync();
        _apiCa.Dispose();
        _frontProxyCa.Dispose();
        _backendCa.Dispose();
    }

    [Fact]
    public async Task A_request_reaches_the_Service_with_the_user_named_by_the_front_proxy()
    {
        using var http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress };

        var answer = JsonNode.Parse(await http.GetStringAsync("/apis/echo.example.dev/v1/namespaces/team/things/a/echo?x=1"))!;

        answer["user"]!.GetValue<string>().Should().Be("supercloud-lab");
        answer["groups"]!.GetValue<string>().Should().Contain("system:masters");
        answer["proxy"]!.GetValue<string>().Should().Be("CN=front-proxy-client");
        answer["path"]!.GetValue<string>().Should().Be("/apis/echo.example.dev/v1/namespaces/team/things/a/echo?x=1");
    }

    [Fact]
    public async Task A_user_RBAC_denies_is_refused_before_the_Service_is_called()
    {
        using var alice = _apiCa.IssueUser("alice", ["developers"], Validity);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true, ClientCertificates = { alice } };
        using var http = new HttpClient(handler) { BaseAddress = _cluster.Server.SecureBaseAddress };

        using var response = await http.GetAsync("/apis/echo.example.dev/v1/namespaces/team/things/a/echo");

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        status["reason"]!.GetValue<string>().Should().Be("Forbidden");
        status["message"]!.GetValue<string>().Should().Be(
            "things.echo.example.dev \"a\" is forbidden: User \"alice\" cannot get resource \"things/echo\" in API group \"echo.example.dev\" in the namespace \"team\"");
        _calls.Should().Be(0);
    }

    [Fact]
    public async Task A_WebSocket_is_relayed_both_ways()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("echo.example.dev");
        var uri = new UriBuilder(_cluster.Server.BaseAddress) { Scheme = "ws", Path = "/apis/echo.example.dev/v1/namespaces/team/things/a/ws" }.Uri;

        await socket.ConnectAsync(uri, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Binary, true, CancellationToken.None);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);

        socket.SubProtocol.Should().Be("echo.example.dev");
        Encoding.UTF8.GetString(buffer, 0, received.Count).Should().Be("supercloud-lab: ping");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task A_backend_whose_certificate_the_caBundle_does_not_verify_is_unavailable()
    {
        using var otherCa = CertificateAuthority.Create("other-ca", Validity, TimeProvider.System);
        await CreateAsync("/apis/apiregistration.k8s.io/v1/apiservices", ApiService("v2", otherCa.Certificate));
        using var http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress };

        using var response = await http.GetAsync("/apis/echo.example.dev/v2/namespaces/team/things/a/echo");

        response.IsSuccessStatusCode.Should().BeFalse();
        _calls.Should().Be(0);
    }

    private static string ApiService(string version, X509Certificate2 ca) =>
        $$$"""
        {"metadata":{"name":"{{{version}}}.echo.example.dev"},
         "spec":{"group":"echo.example.dev","version":"{{{version}}}","groupPriorityMinimum":1000,"versionPriority":15,
                 "service":{"namespace":"team","name":"echo","port":443},
                 "caBundle":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(ca.ExportCertificatePem()))}}}"}}
        """;

    private async Task CreateAsync(string path, string json)
    {
        using var http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress };
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
    }

    private async Task EchoAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        var user = context.Request.Headers["X-Remote-User"].ToString();
        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync("echo.example.dev");
            var buffer = new byte[64];
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            await socket.SendAsync(Encoding.UTF8.GetBytes($"{user}: {Encoding.UTF8.GetString(buffer, 0, received.Count)}"), WebSocketMessageType.Binary, true, context.RequestAborted);
            // The client's close is answered with one, as a WebSocket server completes the closing handshake.
            var closing = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (closing.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", context.RequestAborted);
            }

            return;
        }

        var body = new JsonObject
        {
            ["user"] = user,
            ["groups"] = string.Join(",", context.Request.Headers["X-Remote-Group"].ToArray()),
            ["proxy"] = context.Connection.ClientCertificate?.Subject ?? "",
            ["path"] = context.Request.Path.Value + context.Request.QueryString.Value,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
