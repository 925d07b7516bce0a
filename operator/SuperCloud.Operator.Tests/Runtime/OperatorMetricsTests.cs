using Microsoft.Extensions.Time.Testing;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class OperatorMetricsTests
{
    [Fact]
    public async Task Exposition_uses_controller_runtime_and_workqueue_names()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new OperatorMetrics(registry);
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>("superpod", new RateLimiter<string>(clock), clock, metrics);
        queue.Add("a");
        queue.AddRateLimited("b");
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(20));
        queue.Done(item);
        metrics.ReconcileTotal.WithLabels("superpod", "success").Inc();
        metrics.ReconcileErrors.WithLabels("superpod").Inc(0);
        metrics.ReconcileTime.WithLabels("superpod").Observe(0.1);
        metrics.ActiveWorkers.WithLabels("superpod").Set(0);

        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());

        text.Should().Contain("controller_runtime_reconcile_total{controller=\"superpod\",result=\"success\"} 1")
            .And.Contain("controller_runtime_reconcile_errors_total{controller=\"superpod\"}")
            .And.Contain("controller_runtime_reconcile_time_seconds_bucket{controller=\"superpod\"")
            .And.Contain("controller_runtime_active_workers{controller=\"superpod\"}")
            .And.Contain("workqueue_depth{controller=\"superpod\",name=\"superpod\"} 1")
            .And.Contain("workqueue_adds_total{controller=\"superpod\",name=\"superpod\"} 2")
            .And.Contain("workqueue_retries_total{controller=\"superpod\",name=\"superpod\"} 1")
            .And.Contain("workqueue_queue_duration_seconds_bucket{controller=\"superpod\",name=\"superpod\"")
            .And.Contain("workqueue_work_duration_seconds_sum{controller=\"superpod\",name=\"superpod\"} 0.02");
    }
}
