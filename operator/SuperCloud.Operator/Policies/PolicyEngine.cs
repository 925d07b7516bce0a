using System.Globalization;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Policies;

/// <summary>
/// Decides which SuperPods to move, where, and why, from one <see cref="PolicyWorld"/>; pure, so the operator's
/// MigrationPolicy controller and the spot-replay simulator run the same decisions.
/// <list type="bullet">
/// <item>Spot interruption: every SuperPod on a node under notice, biggest first, goes to the room whose predicted
/// migration (waiting for an outbound slot included) ends before the deadline, cheapest first (on-demand first when the
/// policy prefers it); post-copy when only post-copy makes it. Cooldown and budget do not apply.</item>
/// <item>Spot price: in the window that closes at each billing boundary (or at every evaluation with PriceChange), move
/// when (current − target price) × period exceeds the migration's cost (the target billed while it runs) plus the
/// policy's minimum saving.</item>
/// <item>Follow the sun: to the scheduled region of the hour, or to the cluster with the lowest client-weighted RTT
/// (weights of the hour) when it beats the current one by the policy's minimum gain.</item>
/// </list>
/// </summary>
public static class PolicyEngine
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly bool[] CapacityTypes = [true, false];

    /// <summary>Plans the migrations of <paramref name="world"/>.</summary>
    public static PolicyPlan Plan(PolicyWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var run = new Evaluation(world);
        run.Interruptions();
        run.Moves();
        return new PolicyPlan(run.Decisions, run.Deferrals, run.Next);
    }

    /// <summary>The start of the billing period of a SuperPod anchored at <paramref name="anchor"/> that ends after <paramref name="now"/>, and its end.</summary>
    public static (DateTime Start, DateTime Boundary) BillingPeriodAt(DateTime anchor, TimeSpan period, DateTime now)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "a billing period must be positive");
        }

        var elapsed = now - anchor;
        var periods = elapsed < TimeSpan.Zero ? 0 : (long)Math.Floor(elapsed / period);
        var start = anchor + (period * periods);
        return (start, start + period);
    }

    /// <summary>Client-weighted mean RTT of <paramref name="clients"/> at <paramref name="hourUtc"/> from <paramref name="cluster"/>; null when a weighted client's region is missing from its table or no client weighs anything.</summary>
    public static double? WeightedRtt(PolicyCluster cluster, IReadOnlyList<PolicyClient> clients, int hourUtc)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(clients);
        double sum = 0, weights = 0;
        foreach (var client in clients)
        {
            var weight = client.WeightAt(hourUtc);
            if (weight <= 0)
            {
                continue;
            }

            if (!cluster.LatencyMs.TryGetValue(client.Region, out var rtt))
            {
                return null;
            }

            sum += weight * rtt;
            weights += weight;
        }

        return weights > 0 ? sum / weights : null;
    }

    private sealed record Room(PolicyCluster Cluster, PolicyNode? Node, bool Spot, TimeSpan Provision);

    private sealed class Evaluation(PolicyWorld world)
    {
        private readonly Dictionary<string, PolicyCluster> _clusters = world.Clusters.ToDictionary(c => c.Name, StringComparer.Ordinal);
        private readonly Dictionary<string, PolicyNode> _nodes = world.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        private readonly Dictionary<string, (long Cpu, long Memory)> _free = world.Nodes.ToDictionary(n => n.Name, n => (n.FreeMilliCpu, n.FreeMemoryBytes), StringComparer.Ordinal);
        private readonly Dictionary<string, int> _outbound = new(world.ActiveMigrations, StringComparer.Ordinal);
        private readonly HashSet<string> _decided = new(StringComparer.Ordinal);
        private readonly Dictionary<(string From, string To, long Limit), double> _rates = [];
        private int _parallel = world.ActiveMigrations.Values.Sum();

        public List<PolicyDecision> Decisions { get; } = [];

        public List<PolicyDeferral> Deferrals { get; } = [];

        public DateTime? Next { get; private set; }

        public void Interruptions()
        {
            var doomed = world.Pods
                .Where(p => !p.Busy && p.Policy.SpotInterruption && _nodes.TryGetValue(p.Node, out var n) && n.InterruptionDeadline is not null)
                .OrderByDescending(p => p.MemoryBytes + p.DiskBytes).ThenBy(p => p.Key, StringComparer.Ordinal);

            // Outbound slots of each node under notice, as the instants they free up: migrations already running hold
            // theirs for one fixed time, the ones decided here for their predicted time.
            var slots = new Dictionary<string, List<DateTime>>(StringComparer.Ordinal);
            foreach (var pod in doomed)
            {
                var node = _nodes[pod.Node];
                var deadline = node.InterruptionDeadline!.Value;
                if (!slots.TryGetValue(node.Name, out var free))
                {
                    var busy = world.ActiveMigrations.GetValueOrDefault(node.Name);
                    free = Enumerable.Range(0, Math.Max(1, world.MaxOutboundPerNode))
                        .Select(i => i < busy ? world.Now + world.Costs.FixedTime : world.Now).ToList();
                    slots[node.Name] = free;
                }

                var slot = free.Min();
                var source = node.Cluster;
                var left = deadline - world.Now;
                var options = Rooms(pod, excludeNode: node.Name)
                    .Select(room =>
                    {
                        var rate = RateBetween(source, room.Cluster.Name, pod.Policy.BandwidthBytesPerSecond);
                        var wait = slot - world.Now + room.Provision;
                        var pre = wait + world.Costs.Predict(pod.MemoryBytes, pod.DiskBytes, rate, postCopy: false);
                        var post = wait + world.Costs.Predict(pod.MemoryBytes, pod.DiskBytes, rate, postCopy: true);
                        return (Room: room, Rate: rate, Pre: pre, Post: post, Price: Price(pod, room));
                    })
                    .ToList();
                if (options.Count == 0)
                {
                    Deferrals.Add(new PolicyDeferral(pod.Key, pod.Policy.Name, $"node {node.Name} is reclaimed at {Stamp(deadline)} and no other node has room for the SuperPod"));
                    continue;
                }

                var margin = world.Costs.SafetyMargin;
                var preferOnDemand = pod.Policy.PreferOnDemand;
                var byPreference = options
                    .OrderBy(o => preferOnDemand && o.Room.Spot ? 1 : 0)
                    .ThenBy(o => o.Price ?? decimal.MaxValue)
                    .ThenBy(o => o.Pre)
                    .ToList();
                var postCopy = false;
                var chosen = byPreference.FirstOrDefault(o => o.Pre + margin <= left);
                var predicted = chosen.Pre;
                if (chosen.Room is null && pod.Policy.AllowPostCopy && byPreference.FirstOrDefault(o => o.Post + margin <= left) is { Room: not null } viaPostCopy)
                {
                    (chosen, postCopy, predicted) = (viaPostCopy, true, viaPostCopy.Post);
                }

                var late = chosen.Room is null;
                if (late)
                {
                    // Nothing makes the deadline: the fastest move still beats certain loss.
                    postCopy = pod.Policy.AllowPostCopy;
                    chosen = options.OrderBy(o => postCopy ? o.Post : o.Pre).First();
                    predicted = postCopy ? chosen.Post : chosen.Pre;
                }

                free[free.IndexOf(slot)] = slot + (predicted - (slot - world.Now));
                var numbers = new DecisionNumbers(
                    CurrentPerHour: Price(pod, CurrentRoom(pod)), TargetPerHour: chosen.Price, PredictedTime: predicted,
                    RateBytesPerSecond: chosen.Rate, TimeToDeadline: left);
                var room = chosen.Room!;
                var method = postCopy ? "post-copy" : "pre-copy";
                var message = string.Create(Inv,
                    $"node {node.Name} is reclaimed at {Stamp(deadline)} (in {left.TotalSeconds:0}s): moving {Gib(pod.MemoryBytes + pod.DiskBytes)} GiB to {Where(room)} by {method}, predicted {predicted.TotalSeconds:0.#}s at {chosen.Rate / 1e6:0.#} MB/s");
                if (late)
                {
                    message += "; no target makes the deadline, this is the fastest";
                }

                Decide(pod, MigrationReason.SpotInterruption, room, postCopy, numbers, message);
            }
        }

        public void Moves()
        {
            foreach (var pod in world.Pods.Where(p => !p.Busy && !_decided.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!_nodes.TryGetValue(pod.Node, out var node) || node.InterruptionDeadline is not null || !_clusters.ContainsKey(node.Cluster))
                {
                    continue;
                }

                var wanted = pod.Policy.FollowTheSun is { } sun ? Sun(pod, sun) : pod.Policy.SpotPrice is { } price ? Spot(pod, price) : null;
                if (wanted is not { } move)
                {
                    continue;
                }

                if (Paced(pod) is { } held)
                {
                    Deferrals.Add(new PolicyDeferral(pod.Key, pod.Policy.Name, $"{held}; would move: {move.Message}"));
                    continue;
                }

                if (_parallel >= world.MaxParallelMigrations || _outbound.GetValueOrDefault(pod.Node) >= world.MaxOutboundPerNode)
                {
                    Deferrals.Add(new PolicyDeferral(pod.Key, pod.Policy.Name, string.Create(Inv,
                        $"concurrency limit ({_parallel}/{world.MaxParallelMigrations} migrations, {_outbound.GetValueOrDefault(pod.Node)}/{world.MaxOutboundPerNode} leaving {pod.Node}); would move: {move.Message}")));
                    continue;
                }

                Decide(pod, move.Reason, move.Room, false, move.Numbers, move.Message);
            }
        }

        private (MigrationReason Reason, Room Room, DecisionNumbers Numbers, string Message)? Spot(PolicyPod pod, SpotPriceRule rule)
        {
            var here = CurrentRoom(pod);
            if (Price(pod, here) is not { } current)
            {
                return null;
            }

            var period = rule.BillingPeriod ?? here.Cluster.BillingPeriod;
            var ownRate = RateBetween(here.Cluster.Name, here.Cluster.Name, pod.Policy.BandwidthBytesPerSecond);
            var (_, boundary) = BillingPeriodAt(pod.BillingAnchor, period, world.Now);
            if (rule.EvaluateAt == PriceEvaluation.BillingBoundary)
            {
                // The window closes at the boundary and opens early enough for a move to finish by then, so no paid
                // time is left unused and the target's first period starts at the boundary.
                var lead = world.Costs.Predict(pod.MemoryBytes, pod.DiskBytes, ownRate, postCopy: false) + world.Costs.SafetyMargin;
                lead = TimeSpan.FromTicks(Math.Clamp(lead.Ticks, period.Ticks / 20, period.Ticks / 2));
                if (world.Now < boundary - lead)
                {
                    Later(boundary - lead);
                    return null;
                }

                Later(boundary + period - lead);
            }

            var hours = (decimal)period.TotalHours;
            var threshold = (decimal)rule.MinSaving * current * hours;
            (Room Room, decimal Price, decimal Saving, decimal Cost, TimeSpan Time, double Rate)? best = null;
            foreach (var room in Rooms(pod, excludeNode: pod.Node))
            {
                if (Price(pod, room) is not { } target || target >= current)
                {
                    continue;
                }

                var rate = RateBetween(here.Cluster.Name, room.Cluster.Name, pod.Policy.BandwidthBytesPerSecond);
                var time = room.Provision + world.Costs.Predict(pod.MemoryBytes, pod.DiskBytes, rate, postCopy: false);
                var saving = (current - target) * hours;
                var cost = target * (decimal)time.TotalHours;
                if (saving > cost + threshold && (best is null || saving - cost > best.Value.Saving - best.Value.Cost))
                {
                    best = (room, target, saving, cost, time, rate);
                }
            }

            if (best is not { } b)
            {
                return null;
            }

            var numbers = new DecisionNumbers(current, b.Price, b.Saving, b.Cost, threshold, b.Time, b.Rate);
            var message = string.Create(Inv,
                $"billing boundary at {Stamp(boundary)}: {Where(b.Room)} costs {b.Price:0.######}/h against {current:0.######}/h here; saving {b.Saving:0.######} over {GoDuration.Format(period)} exceeds migration cost {b.Cost:0.######} (predicted {b.Time.TotalSeconds:0.#}s) plus threshold {threshold:0.######}");
            return (MigrationReason.SpotPrice, b.Room, numbers, message);
        }

        private (MigrationReason Reason, Room Room, DecisionNumbers Numbers, string Message)? Sun(PolicyPod pod, SunRule rule)
        {
            var hour = world.Now.Hour;
            Later(world.Now.Date.AddHours(hour + 1));
            var here = CurrentRoom(pod);
            var rooms = Rooms(pod, excludeNode: pod.Node).Where(r => r.Cluster.Name != here.Cluster.Name).ToList();
            if (rule.RegionAt(hour) is { } region)
            {
                if (here.Cluster.Region == region)
                {
                    return null;
                }

                var room = rooms.Where(r => r.Cluster.Region == region).OrderBy(r => Price(pod, r) ?? decimal.MaxValue).FirstOrDefault();
                if (room is null)
                {
                    Deferrals.Add(new PolicyDeferral(pod.Key, pod.Policy.Name, $"the schedule wants region {region} from {hour:00}:00 UTC but no node there has room"));
                    return null;
                }

                return (MigrationReason.FollowTheSun, room, new DecisionNumbers(Gain: null), $"the schedule wants region {region} from {hour:00}:00 UTC: moving from {here.Cluster.Region} to {Where(room)}");
            }

            if (pod.Clients is not { Count: > 0 } clients || WeightedRtt(here.Cluster, clients, hour) is not { } current)
            {
                return null;
            }

            var best = rooms
                .Select(r => (Room: r, Rtt: WeightedRtt(r.Cluster, clients, hour)))
                .Where(r => r.Rtt is not null)
                .OrderBy(r => r.Rtt).ThenBy(r => Price(pod, r.Room) ?? decimal.MaxValue)
                .FirstOrDefault();
            if (best.Room is null || current <= 0)
            {
                return null;
            }

            var gain = (current - best.Rtt!.Value) / current;
            if (gain < rule.MinGain)
            {
                return null;
            }

            return (MigrationReason.FollowTheSun, best.Room, new DecisionNumbers(CurrentRttMs: current, TargetRttMs: best.Rtt, Gain: gain),
                string.Create(Inv, $"client-weighted RTT at {hour:00}:00 UTC is {current:0.#}ms here and {best.Rtt:0.#}ms at {Where(best.Room)}: {gain:P0} better, over the {rule.MinGain:P0} threshold"));
        }

        // Why the policy may not start another migration of the pod now (cooldown, daily budget), or null.
        private string? Paced(PolicyPod pod)
        {
            var mine = world.History.Where(m => m.Pod == pod.Key && m.Policy is not null).ToList();
            if (mine.Count > 0 && mine.Max(m => m.Created) is var last && world.Now - last < pod.Policy.Cooldown)
            {
                Later(last + pod.Policy.Cooldown);
                return $"cooldown {GoDuration.Format(pod.Policy.Cooldown)} runs until {Stamp(last + pod.Policy.Cooldown)}";
            }

            var today = mine.Count(m => m.Reason != MigrationReason.SpotInterruption && m.Created.Date == world.Now.Date);
            if (today >= pod.Policy.DailyBudget)
            {
                Later(world.Now.Date.AddDays(1));
                return $"daily budget of {pod.Policy.DailyBudget} migrations spent ({today} today)";
            }

            return null;
        }

        private void Decide(PolicyPod pod, MigrationReason reason, Room room, bool postCopy, DecisionNumbers numbers, string message)
        {
            if (room.Node is { } target)
            {
                var (cpu, memory) = _free[target.Name];
                _free[target.Name] = (cpu - pod.MilliCpu, memory - pod.MemoryBytes);
            }

            _parallel++;
            _outbound[pod.Node] = _outbound.GetValueOrDefault(pod.Node) + 1;
            _decided.Add(pod.Key);
            Decisions.Add(new PolicyDecision(pod.Key, pod.Policy.Name, reason, room.Cluster.Name, room.Node?.Name, room.Spot, postCopy, numbers, message));
        }

        private double RateBetween(string from, string to, long limit)
        {
            if (!_rates.TryGetValue((from, to, limit), out var rate))
            {
                rate = world.Costs.Rate(from, to, world.History, limit);
                _rates[(from, to, limit)] = rate;
            }

            return rate;
        }

        private Room CurrentRoom(PolicyPod pod)
        {
            var node = _nodes[pod.Node];
            return new Room(_clusters[node.Cluster], node, node.Spot, TimeSpan.Zero);
        }

        // Where the pod could go: nodes with room (not under notice, schedulable, allowed by its placement), then clusters
        // that can start a host for it, once per capacity type its placement allows.
        private IEnumerable<Room> Rooms(PolicyPod pod, string excludeNode)
        {
            foreach (var node in world.Nodes)
            {
                if (node.Name == excludeNode || !node.Schedulable || node.InterruptionDeadline is not null || !_clusters.TryGetValue(node.Cluster, out var cluster)
                    || !Allowed(pod, cluster, node.Spot))
                {
                    continue;
                }

                var (cpu, memory) = _free[node.Name];
                if (cpu >= pod.MilliCpu && memory >= pod.MemoryBytes)
                {
                    yield return new Room(cluster, node, node.Spot, TimeSpan.Zero);
                }
            }

            foreach (var cluster in world.Clusters.Where(c => c.ProvisionTime is not null))
            {
                foreach (var spot in CapacityTypes.Where(s => Allowed(pod, cluster, s) && (!s || cluster.Spot is not null)))
                {
                    yield return new Room(cluster, null, spot, cluster.ProvisionTime!.Value);
                }
            }
        }

        private static bool Allowed(PolicyPod pod, PolicyCluster cluster, bool spot) =>
            (pod.AllowedClusters is null || pod.AllowedClusters.Contains(cluster.Name))
            && pod.Spot switch { SpotPolicy.Required => spot, SpotPolicy.Forbidden => !spot, _ => true }
            && (pod.MaxPricePerHour is not { } cap || (cluster.RatesFor(spot) is { } rates && rates.ShareCost(pod.MilliCpu, pod.MemoryBytes) <= cap));

        private static decimal? Price(PolicyPod pod, Room room) => room.Cluster.RatesFor(room.Spot)?.ShareCost(pod.MilliCpu, pod.MemoryBytes);

        private void Later(DateTime when)
        {
            if (when > world.Now && (Next is null || when < Next))
            {
                Next = when;
            }
        }

        private static string Where(Room room) =>
            room.Node is { } node ? $"node {node.Name} ({room.Cluster.Name}, {(room.Spot ? "spot" : "on-demand")})" : $"a new {(room.Spot ? "spot" : "on-demand")} host in {room.Cluster.Name}";

        private static string Stamp(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", Inv);

        private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.##", Inv);
    }
}
