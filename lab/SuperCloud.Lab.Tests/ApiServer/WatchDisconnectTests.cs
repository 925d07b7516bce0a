using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Auth;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>A watch client that vanishes mid-stream: the server releases the watch quietly and keeps serving.</summary>
public sealed class WatchDisconnectTests
{
    [Fact]
    public async Task Client_resetting_a_watch_mid_stream_releases_the_watcher_without_logging_an_error()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var cluster = await StartAsync(new LabApiServerOptions { LoggerFactory = loggerFactory }, withWidgets: false);
        await CreateConfigMapAsync(cluster, "first");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(cluster.Server.BaseAddress.Host, cluster.Server.BaseAddress.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                "GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: lab\r\nAccept: application/json\r\n\r\n"));
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            using var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            string? line;
            do
            {
                line = await reader.ReadLineAsync(readTimeout.Token);
            }
            while (line is not null && !line.Contains("\"first\"", StringComparison.Ordinal));

            line.Should().Contain("\"ADDED\"", "the watch sends the existing ConfigMap as an ADDED event");
            cluster.Server.OpenWatches.Should().Be(1);

            // Linger 0 makes Close send a RST: the server's next writes hit a reset connection.
            tcp.Client.LingerState = new LingerOption(true, 0);
        }

        for (var i = 0; i < 20; i++)
        {
            await CreateConfigMapAsync(cluster, $"after-reset-{i}");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (cluster.Server.OpenWatches != 0)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the dropped client's watcher should be released within 15 s");
            await Task.Delay(50);
        }

        (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items
            .Should().Contain(c => c.Metadata.Name == "after-reset-19", "the server still serves");
        logs.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning, "a client going away is not a server failure");
    }

    [Fact]
    public async Task Watch_write_failing_with_IOException_ends_the_watch_quietly_and_releases_the_watcher()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var store = new ObjectStore(100, 100);
        var operations = new ResourceOperations(store, new ResourceRegistry(), TimeProvider.System);
        operations.Create(ResourceOperations.NamespaceResource, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, WriteOptions.Controller);
        var tokens = new ServiceAccountTokens(ECDsa.Create(ECCurve.NamedCurves.nistP256), TimeProvider.System);
        var security = new RequestSecurity(new Authenticator(store, tokens, new Dictionary<string, UserInfo>(), null, TimeProvider.System), new RbacAuthorizer(store));
        var handler = new ApiHandler(operations, new FaultInjector(store.CloseAllWatches, store.CompactHistory), security, tokens, TimeProvider.System, loggerFactory.CreateLogger("api"));
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/api/v1/namespaces";
        context.Request.QueryString = new QueryString("?watch=true");
        context.Response.Body = new ResetStream();

        // The existing namespace is the first event: writing it hits the "reset" connection.
        await handler.HandleAsync(context).WaitAsync(TimeSpan.FromSeconds(15));

        store.WatcherCount.Should().Be(0);
        logs.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning, "a client going away is not a server failure");
    }

    /// <summary>A response body whose connection was reset by the peer: every write fails as Kestrel's do.</summary>
    private sealed class ResetStream : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("Connection reset by peer"));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException(new IOException("Connection reset by peer"));
    }

    private static Task<V1ConfigMap> CreateConfigMapAsync(TestCluster cluster, string name) =>
        cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, "default");
}
