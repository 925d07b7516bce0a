using System.Globalization;
using System.Text.Json.Nodes;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Dashboard;

/// <summary>
/// The accumulated cost of each cloud beside what on-demand would have cost, sampled over time from the SuperClusters'
/// status.cost (which the cost controllers keep), in a ring of <see cref="DashboardOptions.HistoryPoints"/> points per cloud.
/// </summary>
public sealed class CostHistory(Informer<SuperCluster> clusters, DashboardOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<(DateTimeOffset Time, decimal Cost, decimal OnDemand)>> _points = new(StringComparer.Ordinal);

    /// <summary>Takes a point per cloud at <paramref name="now"/> unless nothing changed since its last point.</summary>
    public void Sample(DateTimeOffset now)
    {
        var totals = clusters.Cache.List()
            .Where(c => c.Status?.Cost?.Accumulated is not null)
            .GroupBy(c => c.Spec.Provider.ToString())
            .Select(g => (Cloud: g.Key, Cost: g.Sum(c => Parse(c.Status!.Cost!.Accumulated)), OnDemand: g.Sum(c => Parse(c.Status!.Cost!.OnDemandAccumulated))));
        lock (_lock)
        {
            foreach (var (cloud, cost, onDemand) in totals)
            {
                if (!_points.TryGetValue(cloud, out var queue))
                {
                    _points[cloud] = queue = new Queue<(DateTimeOffset, decimal, decimal)>();
                }

                if (queue.Count > 0 && queue.Last() is var last && last.Cost == cost && last.OnDemand == onDemand && now - last.Time < options.SampleInterval)
                {
                    continue;
                }

                queue.Enqueue((now, cost, onDemand));
                while (queue.Count > options.HistoryPoints)
                {
                    queue.Dequeue();
                }
            }
        }
    }

    /// <summary>The points per cloud: <c>{cloud: [[unixMs, cost, onDemand], ...]}</c>.</summary>
    public JsonObject ToJson()
    {
        lock (_lock)
        {
            var json = new JsonObject();
            foreach (var (cloud, queue) in _points.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json[cloud] = new JsonArray([.. queue.Select(p => (JsonNode)new JsonArray(
                    JsonValue.Create(p.Time.ToUnixTimeMilliseconds()), JsonValue.Create(p.Cost), JsonValue.Create(p.OnDemand)))]);
            }

            return json;
        }
    }

    private static decimal Parse(string? value) =>
        value is null ? 0 : decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) ? d : 0;
}
