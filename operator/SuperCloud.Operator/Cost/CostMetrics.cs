using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Cost;

/// <summary>Prometheus gauges of what each SuperPod and each SuperCluster costs now and has cost, in the operator's registry.</summary>
public sealed class CostMetrics
{
    /// <summary>Creates the metric families in the registry of <paramref name="operatorMetrics"/>.</summary>
    public CostMetrics(OperatorMetrics operatorMetrics)
    {
        ArgumentNullException.ThrowIfNull(operatorMetrics);
        var factory = Metrics.WithCustomRegistry(operatorMetrics.Registry);
        string[] pod = ["namespace", "name", "currency"];
        string[] cluster = ["supercluster", "currency"];
        PodRate = factory.CreateGauge(
            "supercloud_superpod_cost_rate_per_hour", "What a SuperPod costs per hour where it runs now (its host's spot or on-demand price).",
            new GaugeConfiguration { LabelNames = [.. pod, "capacity"] });
        PodAccumulated = factory.CreateGauge(
            "supercloud_superpod_cost_accumulated", "What a SuperPod has cost since it was created, each period at the rate then in force.",
            new GaugeConfiguration { LabelNames = pod });
        PodOnDemandAccumulated = factory.CreateGauge(
            "supercloud_superpod_cost_ondemand_accumulated", "What the same time on on-demand capacity in the same regions would have cost.",
            new GaugeConfiguration { LabelNames = pod });
        ClusterRate = factory.CreateGauge(
            "supercloud_supercluster_cost_rate_per_hour", "What a SuperCluster's SuperPods cost together per hour now.",
            new GaugeConfiguration { LabelNames = cluster });
        ClusterAccumulated = factory.CreateGauge(
            "supercloud_supercluster_cost_accumulated", "What SuperPods have cost while running in a SuperCluster.",
            new GaugeConfiguration { LabelNames = cluster });
        ClusterOnDemandAccumulated = factory.CreateGauge(
            "supercloud_supercluster_cost_ondemand_accumulated", "What the same SuperPods would have cost on on-demand capacity in that SuperCluster.",
            new GaugeConfiguration { LabelNames = cluster });
    }

    /// <summary>supercloud_superpod_cost_rate_per_hour{namespace,name,currency,capacity}.</summary>
    public Gauge PodRate { get; }

    /// <summary>supercloud_superpod_cost_accumulated{namespace,name,currency}.</summary>
    public Gauge PodAccumulated { get; }

    /// <summary>supercloud_superpod_cost_ondemand_accumulated{namespace,name,currency}.</summary>
    public Gauge PodOnDemandAccumulated { get; }

    /// <summary>supercloud_supercluster_cost_rate_per_hour{supercluster,currency}.</summary>
    public Gauge ClusterRate { get; }

    /// <summary>supercloud_supercluster_cost_accumulated{supercluster,currency}.</summary>
    public Gauge ClusterAccumulated { get; }

    /// <summary>supercloud_supercluster_cost_ondemand_accumulated{supercluster,currency}.</summary>
    public Gauge ClusterOnDemandAccumulated { get; }

    /// <summary>Shows the account of SuperPod <paramref name="key"/>; the series of its other capacity or currency go.</summary>
    public void SetPod(ObjectKey key, CostLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        RemovePod(key);
        var ns = key.Namespace ?? "";
        var currency = ledger.Rate.Currency;
        PodRate.WithLabels(ns, key.Name, currency, ledger.Rate.Capacity?.ToString() ?? "").Set((double)ledger.Rate.PerHour);
        PodAccumulated.WithLabels(ns, key.Name, currency).Set((double)ledger.Accumulated);
        PodOnDemandAccumulated.WithLabels(ns, key.Name, currency).Set((double)ledger.OnDemandAccumulated);
    }

    /// <summary>Removes every series of SuperPod <paramref name="key"/>.</summary>
    public void RemovePod(ObjectKey key)
    {
        var ns = key.Namespace ?? "";
        foreach (var gauge in new[] { PodRate, PodAccumulated, PodOnDemandAccumulated })
        {
            foreach (var labels in gauge.GetAllLabelValues().Where(l => l[0] == ns && l[1] == key.Name).ToList())
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }

    /// <summary>Shows the account of SuperCluster <paramref name="name"/>.</summary>
    public void SetCluster(string name, CostLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        RemoveCluster(name);
        ClusterRate.WithLabels(name, ledger.Rate.Currency).Set((double)ledger.Rate.PerHour);
        ClusterAccumulated.WithLabels(name, ledger.Rate.Currency).Set((double)ledger.Accumulated);
        ClusterOnDemandAccumulated.WithLabels(name, ledger.Rate.Currency).Set((double)ledger.OnDemandAccumulated);
    }

    /// <summary>Removes every series of SuperCluster <paramref name="name"/>.</summary>
    public void RemoveCluster(string name)
    {
        foreach (var gauge in new[] { ClusterRate, ClusterAccumulated, ClusterOnDemandAccumulated })
        {
            foreach (var labels in gauge.GetAllLabelValues().Where(l => l[0] == name).ToList())
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }
}
