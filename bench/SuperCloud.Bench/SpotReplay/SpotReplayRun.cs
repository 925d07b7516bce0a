using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Policies;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Bench.SpotReplay;

/// <summary>
/// Replays a spot price trace hour by hour for one fleet under four strategies: SuperCloud's policy (the operator's
/// <see cref="PolicyEngine"/>, deciding at each billing boundary and on each interruption notice), on-demand in the
/// cheapest place, the cheapest spot market chosen once and kept, and Karpenter-style replacement on interruption.
/// Interruptions: each VM-hour on spot is interrupted with the hourly hazard of its market's Spot Advisor band (the
/// band's upper bound per month, spread over 720 hours), and every VM of a market whose spot price exceeds on-demand is.
/// </summary>
internal sealed class SpotReplayRun(SpotTrace trace, ReplayCalibration calibration, ReplayOptions options)
{
    private const string Policy = "spot";
    private const int InterruptStream = 1;
    private const int NoticeStream = 2;
    private const int JitterStream = 5;

    private readonly ReplayRandom _random = new(options.Seed);
    private readonly List<SpotMarket> _markets = trace.Markets.Where(m => m.Vcpus >= options.Vcpus && m.MemoryGiB >= options.MemoryGiB).ToList();
    private readonly long _memory = (long)(options.MemoryGiB * (1L << 30));
    private readonly long _disk = (long)(options.DiskGiB * (1L << 30));

    public IReadOnlyList<SpotMarket> Markets => _markets;

    /// <summary>The cheapest on-demand market that fits a VM.</summary>
    public SpotMarket OnDemandMarket => _markets.MinBy(m => m.OnDemand) ?? throw new InvalidOperationException("no market in the trace fits the VM");

    /// <summary>The bound no strategy beats: every VM in the cheapest published market of every hour, moves free and instant.</summary>
    public double OracleCost() => Enumerable.Range(0, trace.Hours).Sum(h => Cheapest(h).Spot[h] is var p && double.IsNaN(p) ? Cheapest(h).Billed(h) : p) * options.Vms;

    public StrategyResult OnDemand()
    {
        var result = new StrategyResult("on-demand, cheapest region", trace.Hours);
        var perHour = OnDemandMarket.OnDemand * options.Vms;
        for (var h = 0; h < trace.Hours; h++)
        {
            result.Accumulated[h] = perHour * (h + 1);
        }

        return result;
    }

    /// <summary>Spot without live migration: an interrupted VM restarts on a new host, in the same market (<paramref name="replaceWithCheapest"/> false) or the cheapest one now (Karpenter).</summary>
    public StrategyResult Restarting(bool replaceWithCheapest)
    {
        var result = new StrategyResult(replaceWithCheapest ? "Karpenter-style replace on interruption" : "cheapest spot market, kept", trace.Hours);
        var start = Cheapest(0);
        var where = Enumerable.Repeat(start, options.Vms).ToArray();
        var total = 0.0;
        for (var h = 0; h < trace.Hours; h++)
        {
            for (var vm = 0; vm < options.Vms; vm++)
            {
                if (Interrupted(vm, h, where[vm]) is not null)
                {
                    result.Interruptions++;
                    result.VmsLost++;
                    result.DowntimeSeconds += calibration.RestartDowntime.TotalSeconds;
                    if (replaceWithCheapest)
                    {
                        where[vm] = Cheapest(h);
                    }
                }

                total += where[vm].Billed(h);
            }

            result.Accumulated[h] = total;
        }

        return result;
    }

    public StrategyResult SuperCloud()
    {
        var result = new StrategyResult("SuperCloud policy", trace.Hours);
        var hourCost = new double[trace.Hours];
        var start = Cheapest(0);
        var vms = Enumerable.Range(0, options.Vms).Select(i => new Vm(i, start, 0, 0)).ToArray();
        var history = new List<PastMigration>();
        var rules = new PolicyRules(Policy, new SpotPriceRule(options.MinSaving), SpotInterruption: true, PreferOnDemand: false, FollowTheSun: null,
            options.Cooldown ?? TimeSpan.FromMinutes(10), options.DailyBudget);
        var costs = new MigrationCostModel(calibration.InterRegionBytesPerSecond, calibration.PreCopyFactor, calibration.FixedTime, TimeSpan.FromSeconds(10));

        for (var h = 0; h < trace.Hours; h++)
        {
            var notices = vms.Select(vm => (Vm: vm, At: Interrupted(vm.Index, h, vm.Market))).Where(n => n.At is not null).OrderBy(n => n.At).ToList();
            foreach (var (vm, at) in notices)
            {
                result.Interruptions++;
                var now = at!.Value;
                var deadline = now + calibration.Notice.TotalHours;
                var plan = PolicyEngine.Plan(World(h, now, vms, history, rules, costs, vm.Host, deadline));
                var decision = plan.Decisions.FirstOrDefault(d => d.Pod == Key(vm) && d.Reason == MigrationReason.SpotInterruption);
                var target = decision is null ? Cheapest(h) : _markets.First(m => m.Name == decision.TargetCluster);
                var seconds = decision is null ? double.PositiveInfinity : Truth(vm, target, decision.PostCopy, h);
                var survived = seconds <= calibration.Notice.TotalSeconds;
                var end = now + (Math.Min(seconds, calibration.Notice.TotalSeconds) / 3600);
                Charge(vm.Market, vm.Since, end, hourCost);
                if (survived)
                {
                    result.InterruptionsSurvived++;
                    result.InterruptionMigrations++;
                    result.PostCopyMigrations += decision!.PostCopy ? 1 : 0;
                    result.DowntimeSeconds += calibration.Downtime.TotalSeconds;
                    hourCost[h] += target.Billed(h) * seconds / 3600;
                    history.Add(Past(vm, MigrationReason.SpotInterruption, now, target, seconds));
                }
                else
                {
                    result.VmsLost++;
                    result.DowntimeSeconds += calibration.RestartDowntime.TotalSeconds;
                }

                // Billing periods of a host that started mid-hour are counted from the next hour on.
                vm.Move(target, end, Math.Ceiling(end));
            }

            if (h + 1 < trace.Hours)
            {
                // Shortly before the boundary, with the prices published for this hour.
                var now = h + (58.0 / 60);
                var plan = PolicyEngine.Plan(World(h, now, vms, history, rules, costs, null, 0));
                foreach (var decision in plan.Decisions.Where(d => d.Reason == MigrationReason.SpotPrice))
                {
                    var vm = vms.First(v => Key(v) == decision.Pod);
                    var target = _markets.First(m => m.Name == decision.TargetCluster);
                    var seconds = Truth(vm, target, postCopy: false, h);
                    Charge(vm.Market, vm.Since, h + 1, hourCost);

                    // The target host runs while the VM moves: that overlap is the move's price.
                    hourCost[h] += target.Billed(h) * seconds / 3600;
                    result.PriceMigrations++;
                    result.DowntimeSeconds += calibration.Downtime.TotalSeconds;
                    history.Add(Past(vm, MigrationReason.SpotPrice, now, target, seconds));
                    vm.Move(target, h + 1, h + 1);
                }
            }

            foreach (var vm in vms)
            {
                Charge(vm.Market, vm.Since, h + 1, hourCost);
                vm.Since = h + 1;
            }

            result.Accumulated[h] = (h > 0 ? result.Accumulated[h - 1] : 0) + hourCost[h];
        }

        return result;
    }

    private PolicyWorld World(int hour, double now, Vm[] vms, List<PastMigration> history, PolicyRules rules, MigrationCostModel costs, string? noticed, double deadline)
    {
        var clusters = _markets.Select(m => new PolicyCluster(
            m.Name, CloudProvider.Aws, m.Region,
            new UnitPrices((decimal)m.Billed(hour) / options.Vcpus, 0), new UnitPrices((decimal)m.OnDemand / options.Vcpus, 0),
            TimeSpan.FromHours(1), new Dictionary<string, int>(), m.Published(hour) ? calibration.Provision : null)).ToList();
        var nodes = vms.Select(vm => new PolicyNode(vm.Host, vm.Market.Name, Spot: true, Schedulable: false, 0, 0, vm.Host == noticed ? At(deadline) : null)).ToList();
        var pods = vms.Select(vm => new PolicyPod(Key(vm), options.Vcpus * 1000L, _memory, _disk, vm.Host, At(vm.Anchor), rules, SpotPolicy.Required)).ToList();
        return new PolicyWorld(At(now), pods, clusters, nodes, history, costs, MaxParallelMigrations: options.Vms, MaxOutboundPerNode: 2, new Dictionary<string, int>());
    }

    // The real migration time: provisioning, then the transfer at the link's rate, off the prediction by a log-normal factor.
    private double Truth(Vm vm, SpotMarket target, bool postCopy, int hour)
    {
        var bytes = (_memory * (postCopy ? 1.0 : calibration.PreCopyFactor)) + _disk;
        var transfer = calibration.FixedTime.TotalSeconds + (bytes / calibration.Rate(vm.Market, target));
        return calibration.Provision.TotalSeconds + (transfer * _random.LogNormal(JitterStream, vm.Index, hour, calibration.Jitter));
    }

    // When (in hours since the trace's start) the VM's host gets its notice in this hour, or null.
    private double? Interrupted(int vm, int hour, SpotMarket market)
    {
        if (market.Spot[hour] > market.OnDemand)
        {
            return hour + (1.0 / 60);
        }

        return _random.Uniform(InterruptStream, vm, hour) < Hazard(market.Band[hour]) * options.HazardScale
            ? hour + (_random.Uniform(NoticeStream, vm, hour) * 50 / 60)
            : null;
    }

    // The band's upper bound of VMs interrupted per month (over 20 % counted as 30 %), per hour.
    private static double Hazard(double band) => band switch
    {
        >= 3.0 => 0.05,
        >= 2.5 => 0.10,
        >= 2.0 => 0.15,
        >= 1.5 => 0.20,
        _ => 0.30,
    } / 720;

    private SpotMarket Cheapest(int hour) => _markets.Where(m => m.Published(hour)).MinBy(m => m.Spot[hour]) ?? _markets.MinBy(m => m.Billed(hour))!;

    private static void Charge(SpotMarket market, double from, double to, double[] hourCost)
    {
        for (var h = (int)Math.Floor(from); h < to && h < hourCost.Length; h++)
        {
            var overlap = Math.Min(to, h + 1) - Math.Max(from, h);
            if (overlap > 0)
            {
                hourCost[h] += market.Billed(h) * overlap;
            }
        }
    }

    private PastMigration Past(Vm vm, MigrationReason reason, double now, SpotMarket target, double seconds) =>
        new(Key(vm), reason, Policy, At(now), vm.Market.Name, target.Name, (long)((_memory * calibration.PreCopyFactor) + _disk),
            TimeSpan.FromSeconds(seconds - calibration.Provision.TotalSeconds));

    private DateTime At(double hours) => DateTime.SpecifyKind(trace.Start, DateTimeKind.Utc).AddHours(hours);

    private static string Key(Vm vm) => $"fleet/vm-{vm.Index}";

    private sealed class Vm(int index, SpotMarket market, double since, double anchor)
    {
        private int _generation;

        public int Index { get; } = index;

        public SpotMarket Market { get; private set; } = market;

        public double Since { get; set; } = since;

        public double Anchor { get; private set; } = anchor;

        public string Host => $"vm-{Index}-host-{_generation}";

        public void Move(SpotMarket target, double since, double anchor)
        {
            (Market, Since, Anchor) = (target, since, anchor);
            _generation++;
        }
    }

}
