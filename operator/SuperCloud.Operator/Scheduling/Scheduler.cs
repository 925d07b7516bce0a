using System.Runtime.InteropServices;
using SuperCloud.Operator.Scheduling.Plugins;

namespace SuperCloud.Operator.Scheduling;

/// <summary>
/// Places one SuperPod at a time on a <see cref="ClusterSnapshot"/>, kube-scheduler style: filter plugins rule nodes out
/// (counting each reason for the FitError message), score plugins rank the feasible nodes (each normalised to 0–100
/// across them, then weighted), the best node wins (first in examination order on ties). Pure: no I/O, no clock.
/// Not thread-safe: plugins keep per-pod state, so one cycle runs at a time per instance.
/// </summary>
public sealed class Scheduler
{
    private readonly IFilterPlugin[] _filters;
    private readonly (IScorePlugin Plugin, int Weight)[] _scores;
    private readonly SchedulerOptions _options;
    private readonly List<string> _reasons = [];
    // Keyed by reference: reasons are mostly constants, and hashing a reference is far cheaper than hashing its text
    // on every failing node; equal texts from different references are merged when the message is built.
    private readonly Dictionary<string, int> _failures = new(ReferenceEqualityComparer.Instance);
    private readonly List<NodeInfo> _feasible = [];
    private double[] _totals = [];
    private readonly double[][] _raw;
    private int _nextStartNodeIndex;

    /// <summary>Creates a scheduler with every built-in filter and score.</summary>
    public Scheduler(SchedulerOptions? options = null)
        : this(
            [
                // Cheap, selective filters first: a node is counted under the first filter that rejects it.
                new NodeNameFilter(), new NodeUnschedulableFilter(), new SpotFilter(), new CloudRegionClusterFilter(), new NodeSelectorFilter(),
                new TaintTolerationFilter(), new MaxPriceFilter(), new NodeResourcesFitFilter(), new AntiAffinityFilter(),
            ],
            DefaultScores(options ?? new SchedulerOptions()),
            options)
    {
    }

    /// <summary>Creates a scheduler with the given plugins; scores with weight 0 are left out.</summary>
    public Scheduler(IEnumerable<IFilterPlugin> filters, IEnumerable<(IScorePlugin Plugin, int Weight)> scores, SchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(scores);
        _options = options ?? new SchedulerOptions();
        _options.Validate();
        _filters = [.. filters];
        _scores = [.. scores.Where(s => s.Weight > 0)];
        _raw = new double[_scores.Length][];
        for (var i = 0; i < _raw.Length; i++)
        {
            _raw[i] = [];
        }
    }

    /// <summary>The filter plugins, in the order they run.</summary>
    public IReadOnlyList<IFilterPlugin> Filters => _filters;

    /// <summary>kube-scheduler's numFeasibleNodesToFind: how many feasible nodes end the filtering of a cluster of <paramref name="nodeCount"/>.</summary>
    public int FeasibleNodesToFind(int nodeCount)
    {
        const int minFeasible = 100;
        var percentage = _options.PercentageOfNodesToScore;
        if (nodeCount < minFeasible || percentage >= 100)
        {
            return nodeCount;
        }

        if (percentage == 0)
        {
            percentage = Math.Max(5, 50 - (nodeCount / 125));
        }

        return Math.Max(minFeasible, nodeCount * percentage / 100);
    }

    /// <summary>Decides where <paramref name="pod"/> goes; the snapshot is not changed (call <see cref="ScheduleAndAssume"/> to charge the node).</summary>
    public SchedulingDecision Schedule(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(snapshot);
        var nodes = snapshot.Nodes;
        var count = nodes.Count;
        if (count == 0)
        {
            return new SchedulingDecision { NodeCount = 0 };
        }

        foreach (var filter in _filters)
        {
            filter.PreFilter(pod, snapshot);
        }

        _failures.Clear();
        _feasible.Clear();
        var toFind = FeasibleNodesToFind(count);
        var start = _nextStartNodeIndex % count;
        var examined = 0;
        while (examined < count && _feasible.Count < toFind)
        {
            var node = nodes[(start + examined) % count];
            examined++;
            if (Fits(node))
            {
                _feasible.Add(node);
            }
        }

        // Like kube-scheduler, the next pod starts where this one stopped, so every node gets its turn.
        _nextStartNodeIndex = (start + examined) % count;
        if (_feasible.Count == 0)
        {
            return new SchedulingDecision
            {
                NodeCount = count,
                NodesEvaluated = examined,
                FailureCounts = _failures.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal),
            };
        }

        return Rank(pod, snapshot, count, examined);
    }

    /// <summary>Decides and, when a node was chosen, assumes the pod on it so the next decision sees the node's remaining capacity.</summary>
    public SchedulingDecision ScheduleAndAssume(PodRequest pod, ClusterSnapshot snapshot)
    {
        var decision = Schedule(pod, snapshot);
        if (decision.Node is { } node)
        {
            snapshot.Assume(pod, node);
        }

        return decision;
    }

    private bool Fits(NodeInfo node)
    {
        foreach (var filter in _filters)
        {
            if (!filter.Filter(node, _reasons))
            {
                foreach (var reason in _reasons)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(_failures, reason, out _)++;
                }

                _reasons.Clear();
                return false;
            }
        }

        return true;
    }

    private SchedulingDecision Rank(PodRequest pod, ClusterSnapshot snapshot, int count, int examined)
    {
        var feasible = _feasible.Count;
        if (_totals.Length < feasible)
        {
            _totals = new double[Math.Max(feasible, _totals.Length * 2)];
        }

        Array.Clear(_totals, 0, feasible);
        var active = new bool[_scores.Length];
        var spans = new (double Min, double Max)[_scores.Length];
        for (var s = 0; s < _scores.Length; s++)
        {
            var (plugin, weight) = _scores[s];
            if (!plugin.PreScore(pod, snapshot))
            {
                continue;
            }

            active[s] = true;
            if (_raw[s].Length < feasible)
            {
                _raw[s] = new double[Math.Max(feasible, _raw[s].Length * 2)];
            }

            var raw = _raw[s];
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (var i = 0; i < feasible; i++)
            {
                var value = plugin.Score(_feasible[i]);
                raw[i] = value;
                if (!double.IsNaN(value))
                {
                    min = Math.Min(min, value);
                    max = Math.Max(max, value);
                }
            }

            spans[s] = (min, max);
            for (var i = 0; i < feasible; i++)
            {
                _totals[i] += weight * Normalise(raw[i], min, max, plugin.HigherIsBetter);
            }
        }

        var best = 0;
        for (var i = 1; i < feasible; i++)
        {
            if (_totals[i] > _totals[best])
            {
                best = i;
            }
        }

        var node = _feasible[best];
        var reasons = new List<ScoreReason>();
        for (var s = 0; s < _scores.Length; s++)
        {
            if (!active[s])
            {
                continue;
            }

            var (plugin, weight) = _scores[s];
            var (min, max) = spans[s];
            var raw = _raw[s][best];
            reasons.Add(new ScoreReason(
                plugin.Name, weight * Normalise(raw, min, max, plugin.HigherIsBetter), feasible > 1 && min < max, plugin.Explain(node, raw)));
        }

        return new SchedulingDecision
        {
            Node = node,
            NodeCount = count,
            NodesEvaluated = examined,
            FeasibleNodes = feasible,
            TopReasons = [.. reasons.OrderByDescending(r => r.Decisive).ThenByDescending(r => r.Points).Take(_options.TopReasons)],
        };
    }

    private static double Normalise(double raw, double min, double max, bool higherIsBetter)
    {
        if (double.IsNaN(raw))
        {
            return 0;
        }

        if (!(max > min))
        {
            return 100;
        }

        var fraction = (raw - min) / (max - min);
        return 100 * (higherIsBetter ? fraction : 1 - fraction);
    }

    private static IEnumerable<(IScorePlugin, int)> DefaultScores(SchedulerOptions options) =>
    [
        (new PriceScore(), options.PriceWeight),
        (new ClientLatencyScore(), options.ClientLatencyWeight),
        (new SpreadScore(), options.SpreadWeight),
        (new StubLocalityScore(), options.StubLocalityWeight),
    ];
}
