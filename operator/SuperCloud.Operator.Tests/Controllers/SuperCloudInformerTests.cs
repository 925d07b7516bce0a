using Microsoft.Extensions.Logging;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Controllers;

public sealed class SuperCloudInformerTests
{
    [Fact]
    public async Task Bookmarks_on_a_kind_with_required_fields_keep_the_watch_open()
    {
        await using var h = await SuperCloudHarness.StartAsync();
        var logs = new List<string>();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(logs)));
        var informer = new Informer<SuperPod>(
            new ResourceClient<SuperPod>(h.Lab.Client),
            new InformerOptions { Namespace = h.Namespace },
            TimeProvider.System,
            loggerFactory.CreateLogger<Informer<SuperPod>>());
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var synced = long.Parse(informer.LastSyncResourceVersion!, System.Globalization.CultureInfo.InvariantCulture);

        // A write elsewhere moves the cluster's resourceVersion; only a bookmark can carry it to this informer.
        await h.Lab.CreateConfigMapAsync("elsewhere");
        await Eventually.UntilAsync(
            () => long.Parse(informer.LastSyncResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) > synced,
            "a bookmark moved the resume version forward");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        lock (logs)
        {
            logs.Should().NotContain(l => l.Contains("failed", StringComparison.OrdinalIgnoreCase),
                "a SuperPod bookmark (metadata only) must not break the watch");
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                lock (lines)
                {
                    lines.Add(formatter(state, exception) + " " + exception?.Message);
                }
            }
        }
    }
}
