using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Events;

/// <summary>Prometheus metrics of CloudEvents delivery, per sink.</summary>
public sealed class CloudEventsMetrics
{
    /// <summary>Creates the metric families in the registry of <paramref name="operatorMetrics"/>.</summary>
    public CloudEventsMetrics(OperatorMetrics operatorMetrics)
    {
        ArgumentNullException.ThrowIfNull(operatorMetrics);
        var factory = Metrics.WithCustomRegistry(operatorMetrics.Registry);
        Sent = factory.CreateCounter(
            "supercloud_cloudevents_sent_total", "CloudEvents a sink accepted (2xx), by sink and type.",
            new CounterConfiguration { LabelNames = ["sink", "type"] });
        Dropped = factory.CreateCounter(
            "supercloud_cloudevents_dropped_total", "CloudEvents given up on, by sink and reason (queue_full: the oldest waiting event made room; undeliverable: every attempt failed).",
            new CounterConfiguration { LabelNames = ["sink", "reason"] });
        Failures = factory.CreateCounter(
            "supercloud_cloudevents_delivery_failures_total", "Failed delivery attempts (retried until the attempts run out), by sink.",
            new CounterConfiguration { LabelNames = ["sink"] });
        QueueDepth = factory.CreateGauge(
            "supercloud_cloudevents_queue_depth", "CloudEvents waiting for delivery, by sink.", new GaugeConfiguration { LabelNames = ["sink"] });
    }

    /// <summary>supercloud_cloudevents_sent_total{sink,type}.</summary>
    public Counter Sent { get; }

    /// <summary>supercloud_cloudevents_dropped_total{sink,reason}.</summary>
    public Counter Dropped { get; }

    /// <summary>supercloud_cloudevents_delivery_failures_total{sink}.</summary>
    public Counter Failures { get; }

    /// <summary>supercloud_cloudevents_queue_depth{sink}.</summary>
    public Gauge QueueDepth { get; }
}
