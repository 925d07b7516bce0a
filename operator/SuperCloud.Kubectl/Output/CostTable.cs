using System.Text;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl.Output;

/// <summary><c>kubectl supercloud cost</c>: what each SuperPod and each cloud has cost, beside on-demand, from status.cost.</summary>
internal static class CostTable
{
    public static string Render(IReadOnlyList<SuperPod> pods, IReadOnlyList<SuperCluster> clusters, bool showNamespace)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(clusters);
        var text = new StringBuilder();
        string[] podHeaders = ["NAME", "CLOUD", "REGION", "NODE", "CAPACITY", "RATE/H", "ACCUMULATED", "ON-DEMAND", "SAVING"];
        var podRows = pods.OrderBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).Select(p =>
        {
            var cost = p.Status?.Cost;
            IReadOnlyList<string> row =
            [
                p.Metadata.Name,
                p.Status?.Cloud is { } cloud ? Names.Cloud(cloud) : "-",
                p.Status?.Region ?? "-",
                p.Status?.Node ?? "-",
                cost?.Capacity?.ToString() ?? "-",
                .. Amounts(cost),
            ];
            return showNamespace ? (IReadOnlyList<string>)[p.Metadata.NamespaceProperty, .. row] : row;
        }).ToList();
        text.Append(Table.Render(showNamespace ? ["NAMESPACE", .. podHeaders] : podHeaders, podRows));
        text.Append('\n');

        // Per cloud: the SuperClusters' totals, which also count SuperPods of every namespace and those since deleted.
        var clouds = clusters.GroupBy(c => Names.Cloud(c.Spec.Provider)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var costs = g.Select(c => c.Status?.Cost).Where(c => c is not null).ToList();
            var total = new CostStatus
            {
                Currency = costs.Select(c => c!.Currency).FirstOrDefault(c => c is not null),
                RatePerHour = Sum(costs.Select(c => c!.RatePerHour)),
                Accumulated = Sum(costs.Select(c => c!.Accumulated)),
                OnDemandAccumulated = Sum(costs.Select(c => c!.OnDemandAccumulated)),
            };
            return (IReadOnlyList<string>)[g.Key, string.Join(",", g.Select(c => c.Metadata.Name).Order(StringComparer.Ordinal)), .. Amounts(costs.Count == 0 ? null : total)];
        }).ToList();
        text.Append(Table.Render(["CLOUD", "SUPERCLUSTERS", "RATE/H", "ACCUMULATED", "ON-DEMAND", "SAVING"], clouds));
        return text.ToString();
    }

    private static string[] Amounts(CostStatus? cost)
    {
        if (cost is null)
        {
            return ["-", "-", "-", "-"];
        }

        var accumulated = Units.Amount(cost.Accumulated);
        var onDemand = Units.Amount(cost.OnDemandAccumulated);
        return
        [
            Units.Money(Units.Amount(cost.RatePerHour), cost.Currency),
            Units.Money(accumulated, cost.Currency),
            Units.Money(onDemand, cost.Currency),
            Units.Saving(accumulated, onDemand),
        ];
    }

    private static string? Sum(IEnumerable<string?> amounts)
    {
        var values = amounts.Select(Units.Amount).Where(a => a is not null).ToList();
        return values.Count == 0 ? null : values.Sum()!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
