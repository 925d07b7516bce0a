using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Migrations;

/// <summary>Prometheus metrics of live migrations, in the operator's registry (KubeVirt exports the same kinds of figures).</summary>
public sealed class MigrationMetrics
{
    private static readonly double[] DurationBuckets = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];
    private static readonly double[] DowntimeBuckets = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10];

    /// <summary>Creates the metric families in the registry of <paramref name="operatorMetrics"/>.</summary>
    public MigrationMetrics(OperatorMetrics operatorMetrics)
    {
        ArgumentNullException.ThrowIfNull(operatorMetrics);
        var factory = Metrics.WithCustomRegistry(operatorMetrics.Registry);
        Finished = factory.CreateCounter(
            "supercloud_migrations_total", "Live migrations that ended, by phase (Succeeded, Failed, Cancelled) and reason.",
            new CounterConfiguration { LabelNames = ["phase", "reason"] });
        Duration = factory.CreateHistogram(
            "supercloud_migration_duration_seconds", "Wall-clock time of succeeded live migrations, from start to the SuperPod running on the target.",
            new HistogramConfiguration { Buckets = DurationBuckets });
        Downtime = factory.CreateHistogram(
            "supercloud_migration_downtime_seconds", "How long the guest was paused during the switch-over of succeeded live migrations.",
            new HistogramConfiguration { Buckets = DowntimeBuckets });
        Bytes = factory.CreateCounter(
            "supercloud_migration_transferred_bytes_total", "Bytes of guest state sent by succeeded live migrations (QEMU's count).");
    }

    /// <summary>supercloud_migrations_total{phase,reason}.</summary>
    public Counter Finished { get; }

    /// <summary>supercloud_migration_duration_seconds.</summary>
    public Histogram Duration { get; }

    /// <summary>supercloud_migration_downtime_seconds.</summary>
    public Histogram Downtime { get; }

    /// <summary>supercloud_migration_transferred_bytes_total.</summary>
    public Counter Bytes { get; }
}
