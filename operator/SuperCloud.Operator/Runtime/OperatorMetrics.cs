using Prometheus;

namespace SuperCloud.Operator.Runtime;

/// <summary>The runtime's Prometheus metrics, named like controller-runtime's and client-go's so existing dashboards work.</summary>
public sealed class OperatorMetrics
{
    private static readonly double[] ReconcileBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
         1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];

    /// <summary>Creates the metric families in <paramref name="registry"/> (the default registry when null).</summary>
    public OperatorMetrics(CollectorRegistry? registry = null)
    {
        Registry = registry ?? Metrics.DefaultRegistry;
        var factory = Metrics.WithCustomRegistry(Registry);
        string[] controller = ["controller"];
        string[] queue = ["controller", "name"];
        ReconcileTotal = factory.CreateCounter(
            "controller_runtime_reconcile_total", "Total number of reconciliations per controller.",
            new CounterConfiguration { LabelNames = ["controller", "result"] });
        ReconcileErrors = factory.CreateCounter(
            "controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller.",
            new CounterConfiguration { LabelNames = controller });
        TerminalReconcileErrors = factory.CreateCounter(
            "controller_runtime_terminal_reconcile_errors_total", "Total number of terminal reconciliation errors per controller.",
            new CounterConfiguration { LabelNames = controller });
        ReconcilePanics = factory.CreateCounter(
            "controller_runtime_reconcile_panics_total", "Total number of reconciliation panics (unexpected exceptions) per controller.",
            new CounterConfiguration { LabelNames = controller });
        ReconcileTime = factory.CreateHistogram(
            "controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller.",
            new HistogramConfiguration { LabelNames = controller, Buckets = ReconcileBuckets });
        ActiveWorkers = factory.CreateGauge(
            "controller_runtime_active_workers", "Number of currently used workers per controller.",
            new GaugeConfiguration { LabelNames = controller });
        MaxConcurrentReconciles = factory.CreateGauge(
            "controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller.",
            new GaugeConfiguration { LabelNames = controller });
        QueueDepth = factory.CreateGauge(
            "workqueue_depth", "Current depth of workqueue.", new GaugeConfiguration { LabelNames = queue });
        QueueAdds = factory.CreateCounter(
            "workqueue_adds_total", "Total number of adds handled by workqueue.", new CounterConfiguration { LabelNames = queue });
        QueueRetries = factory.CreateCounter(
            "workqueue_retries_total", "Total number of retries handled by workqueue.", new CounterConfiguration { LabelNames = queue });
        QueueDuration = factory.CreateHistogram(
            "workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested.",
            new HistogramConfiguration { LabelNames = queue, Buckets = Histogram.ExponentialBuckets(10e-9, 10, 12) });
        WorkDuration = factory.CreateHistogram(
            "workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.",
            new HistogramConfiguration { LabelNames = queue, Buckets = Histogram.ExponentialBuckets(10e-9, 10, 12) });
        UnfinishedWork = factory.CreateGauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
            new GaugeConfiguration { LabelNames = queue });
        LongestRunningProcessor = factory.CreateGauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.",
            new GaugeConfiguration { LabelNames = queue });
        LeaderStatus = factory.CreateGauge(
            "leader_election_master_status", "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.",
            new GaugeConfiguration { LabelNames = ["name"] });
    }

    /// <summary>The registry the metrics live in (exposed at /metrics).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>controller_runtime_reconcile_total{controller,result}.</summary>
    public Counter ReconcileTotal { get; }

    /// <summary>controller_runtime_reconcile_errors_total{controller}.</summary>
    public Counter ReconcileErrors { get; }

    /// <summary>controller_runtime_terminal_reconcile_errors_total{controller}.</summary>
    public Counter TerminalReconcileErrors { get; }

    /// <summary>controller_runtime_reconcile_panics_total{controller}.</summary>
    public Counter ReconcilePanics { get; }

    /// <summary>controller_runtime_reconcile_time_seconds{controller}.</summary>
    public Histogram ReconcileTime { get; }

    /// <summary>controller_runtime_active_workers{controller}.</summary>
    public Gauge ActiveWorkers { get; }

    /// <summary>controller_runtime_max_concurrent_reconciles{controller}.</summary>
    public Gauge MaxConcurrentReconciles { get; }

    /// <summary>workqueue_depth{controller,name}.</summary>
    public Gauge QueueDepth { get; }

    /// <summary>workqueue_adds_total{controller,name}.</summary>
    public Counter QueueAdds { get; }

    /// <summary>workqueue_retries_total{controller,name}.</summary>
    public Counter QueueRetries { get; }

    /// <summary>workqueue_queue_duration_seconds{controller,name}.</summary>
    public Histogram QueueDuration { get; }

    /// <summary>workqueue_work_duration_seconds{controller,name}.</summary>
    public Histogram WorkDuration { get; }

    /// <summary>workqueue_unfinished_work_seconds{controller,name}: the summed age of the items being processed, updated at each scrape.</summary>
    public Gauge UnfinishedWork { get; }

    /// <summary>workqueue_longest_running_processor_seconds{controller,name}: the age of the oldest item being processed, updated at each scrape.</summary>
    public Gauge LongestRunningProcessor { get; }

    /// <summary>leader_election_master_status{name}.</summary>
    public Gauge LeaderStatus { get; }
}
