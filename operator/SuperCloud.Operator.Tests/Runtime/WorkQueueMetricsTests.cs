using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class WorkQueueMetricsTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();

    [Fact]
    public async Task Unfinished_work_and_longest_processor_report_the_age_of_items_being_processed_at_scrape_time()
    {
        using var queue = new WorkQueue<string>("superpod", new RateLimiter<string>(_clock), _clock, new OperatorMetrics(_registry));
        queue.Add("a");
        queue.Add("b");
        var (a, _) = await queue.GetAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var (b, _) = await queue.GetAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(1));

        var busy = await ScrapeAsync();
        Value(busy, "workqueue_unfinished_work_seconds").Should().Be(4, "a ran 3 s and b 1 s");
        Value(busy, "workqueue_longest_running_processor_seconds").Should().Be(3);

        queue.Done(a);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var one = await ScrapeAsync();
        Value(one, "workqueue_unfinished_work_seconds").Should().Be(2, "only b is still processed");
        Value(one, "workqueue_longest_running_processor_seconds").Should().Be(2);

        queue.Done(b);
        var idle = await ScrapeAsync();
        Value(idle, "workqueue_unfinished_work_seconds").Should().Be(0);
        Value(idle, "workqueue_longest_running_processor_seconds").Should().Be(0);
    }

    [Fact]
    public async Task Both_gauges_exist_at_zero_before_any_work()
    {
        using var queue = new WorkQueue<string>("idle", new RateLimiter<string>(_clock), _clock, new OperatorMetrics(_registry));

        var text = await ScrapeAsync();

        text.Should().Contain("workqueue_unfinished_work_seconds{controller=\"idle\",name=\"idle\"} 0")
            .And.Contain("workqueue_longest_running_processor_seconds{controller=\"idle\",name=\"idle\"} 0");
    }

    private static double Value(string text, string metric)
    {
        var match = Regex.Match(text, "^" + metric + @"\{controller=""superpod"",name=""superpod""\} (\S+)$", RegexOptions.Multiline);
        match.Success.Should().BeTrue($"{metric} is exposed");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
