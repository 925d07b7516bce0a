using System.Net;
using System.Net.Sockets;
using CloudNative.CloudEvents;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Operator.Events;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Events;

public sealed class CloudEventSinkTests
{
    [Fact]
    public async Task Events_arrive_in_order_in_binary_content_mode_after_the_sink_recovers()
    {
        using var sink = new RecordingSink(failFirst: 3);
        var (publisher, metrics) = Publisher(sink.Uri, capacity: 100, attempts: 10);
        await using (publisher)
        {
            for (var i = 0; i < 20; i++)
            {
                publisher.Publish(Event(i));
            }

            await Eventually.UntilAsync(() => sink.Received.Count == 20, "20 events delivered", TimeSpan.FromSeconds(20));
        }

        sink.Received.Select(r => r.Id).Should().Equal(Enumerable.Range(0, 20).Select(i => $"e{i}"));
        sink.Received[0].Headers["ce-specversion"].Should().Be("1.0");
        sink.Received[0].Headers["ce-type"].Should().Be("dev.supercloud.test");
        sink.Received[0].Headers["ce-source"].Should().Be("/test");
        sink.Received[0].ContentType.Should().StartWith("application/json");
        sink.Received[0].Body.Should().Be("{\"n\":0}");
        metrics.Failures.WithLabels(sink.Uri.GetLeftPart(UriPartial.Path)).Value.Should().Be(3);
    }

    [Fact]
    public async Task Publishing_to_a_sink_that_hangs_returns_at_once_and_drops_the_oldest_when_the_queue_is_full()
    {
        using var hanging = new TcpListener(IPAddress.Loopback, 0);
        hanging.Start();
        var uri = new Uri($"http://127.0.0.1:{((IPEndPoint)hanging.LocalEndpoint).Port}/");
        var (publisher, metrics) = Publisher(uri, capacity: 5, attempts: 2);
        await using (publisher)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 50; i++)
            {
                publisher.Publish(Event(i));
            }

            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "publishing never waits for a sink");
            metrics.Dropped.WithLabels(uri.GetLeftPart(UriPartial.Path), "queue_full").Value.Should().BeGreaterThanOrEqualTo(44);
        }
    }

    [Fact]
    public void Bad_sink_url_is_refused_naming_the_setting()
    {
        var options = new CloudEventsOptions { Sinks = ["http://ok/", "ftp://nope/"] };

        var act = options.Validate;

        act.Should().Throw<ArgumentException>().WithMessage("*Operator:CloudEvents:Sinks:1*ftp://nope/*");
    }

    private static (CloudEventPublisher, CloudEventsMetrics) Publisher(Uri sink, int capacity, int attempts)
    {
        var metrics = new CloudEventsMetrics(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));
        var options = new CloudEventsOptions
        {
            Sinks = [sink.ToString()],
            QueueCapacity = capacity,
            MaxAttempts = attempts,
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(100),
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        return (new CloudEventPublisher(options, metrics, TimeProvider.System, NullLoggerFactory.Instance), metrics);
    }

    private static CloudEvent Event(int n) => new()
    {
        Id = $"e{n}",
        Type = "dev.supercloud.test",
        Source = new Uri("/test", UriKind.Relative),
        Time = DateTimeOffset.UnixEpoch,
        DataContentType = "application/json",
        Data = new System.Text.Json.Nodes.JsonObject { ["n"] = n },
    };

    private sealed class RecordingSink : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _failures;

        public RecordingSink(int failFirst)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Uri = new Uri($"http://127.0.0.1:{port}/sink/");
            _listener.Prefixes.Add(Uri.ToString());
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }

                    using var reader = new StreamReader(context.Request.InputStream);
                    var body = await reader.ReadToEndAsync();
                    if (_failures++ < failFirst)
                    {
                        context.Response.StatusCode = 503;
                    }
                    else
                    {
                        var headers = context.Request.Headers.AllKeys.Where(k => k!.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
                            .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!);
                        lock (Received)
                        {
                            Received.Add((headers["ce-id"], headers, context.Request.ContentType ?? "", body));
                        }

                        context.Response.StatusCode = 202;
                    }

                    context.Response.Close();
                }
            });
        }

        public Uri Uri { get; }

        public List<(string Id, Dictionary<string, string> Headers, string ContentType, string Body)> Received { get; } = [];

        public void Dispose() => _listener.Close();
    }
}
