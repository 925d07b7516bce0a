using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Policies;
using static SuperCloud.Operator.Tests.Policies.PolicyWorlds;

namespace SuperCloud.Operator.Tests.Policies;

/// <summary>The policy engine's decisions: spot price at billing boundaries, interruptions before the deadline, follow the sun, and the pacing around them.</summary>
public sealed class PolicyEngineTests
{
    private static readonly PolicyRules Spot20 = Rules(price: new SpotPriceRule(0.2));

    // Anchored at 11:30 with 1h billing: the boundary is 12:30 and the window opens a little before it.
    private static PolicyWorld PriceWorld(DateTime now, decimal cheaper = 0.5m, PolicyRules? rules = null, IReadOnlyList<PastMigration>? history = null) =>
        World(now, [Pod("vm", "a-1", rules ?? Spot20)], [Cluster("a", 1m), Cluster("b", cheaper)], [Node("a-1", "a"), Node("b-1", "b")], history);

    [Fact]
    public void A_cheaper_cluster_waits_for_the_billing_boundary_and_says_when_to_look_again()
    {
        var plan = PolicyEngine.Plan(PriceWorld(Noon));

        plan.Decisions.Should().BeEmpty("the paid hour runs until 12:30");
        plan.NextEvaluation.Should().BeAfter(Noon.AddMinutes(25)).And.BeBefore(Noon.AddMinutes(30));
    }

    [Fact]
    public void A_cheaper_cluster_wins_in_the_window_before_the_boundary_with_the_numbers_behind_it()
    {
        var plan = PolicyEngine.Plan(PriceWorld(Noon.AddMinutes(29.5)));

        var decision = plan.Decisions.Should().ContainSingle().Subject;
        decision.Reason.Should().Be(MigrationReason.SpotPrice);
        decision.TargetNode.Should().Be("b-1");
        decision.Numbers.CurrentPerHour.Should().Be(1m);
        decision.Numbers.TargetPerHour.Should().Be(0.5m);
        decision.Numbers.ExpectedSaving.Should().Be(0.5m);
        decision.Numbers.Threshold.Should().Be(0.2m);
        decision.Numbers.MigrationCost.Should().BeGreaterThan(0).And.BeLessThan(0.01m, "20 s of the target's price");
        decision.Message.Should().Contain("billing boundary at 2026-03-02T12:30:00Z").And.Contain("exceeds migration cost");
    }

    [Fact]
    public void A_saving_below_the_threshold_does_not_move()
    {
        PolicyEngine.Plan(PriceWorld(Noon.AddMinutes(29.5), cheaper: 0.85m)).Decisions.Should().BeEmpty("15 % is under the 20 % threshold");
    }

    [Fact]
    public void A_saving_eaten_by_the_migration_cost_does_not_move()
    {
        // 64 GiB over 1 MB/s takes a day: far more than the hour's saving.
        var world = World(Noon.AddMinutes(29.5), [Pod("big", "a-1", Spot20, memory: 64 * GiB)], [Cluster("a", 1m), Cluster("b", 0.5m)],
            [Node("a-1", "a", cpus: 32), Node("b-1", "b", cpus: 32)]) with { Costs = Costs with { DefaultBytesPerSecond = 1e6 } };

        PolicyEngine.Plan(world).Decisions.Should().BeEmpty();
    }

    [Fact]
    public void Price_change_evaluation_moves_at_once()
    {
        var plan = PolicyEngine.Plan(PriceWorld(Noon, rules: Rules(price: new SpotPriceRule(0.2, EvaluateAt: PriceEvaluation.PriceChange))));

        plan.Decisions.Should().ContainSingle().Which.TargetCluster.Should().Be("b");
    }

    [Fact]
    public void The_measured_history_between_the_clusters_sets_the_predicted_time()
    {
        var slow = new PastMigration("default/other", MigrationReason.Manual, null, Noon.AddDays(-2), "a", "b", 100_000_000, TimeSpan.FromSeconds(100));
        var fast = new PastMigration("default/other", MigrationReason.Manual, null, Noon.AddDays(-2), "a", "c", 1_000_000_000, TimeSpan.FromSeconds(1));
        var world = World(Noon.AddMinutes(29.5), [Pod("vm", "a-1", Spot20)], [Cluster("a", 1m), Cluster("b", 0.5m)], [Node("a-1", "a"), Node("b-1", "b")], [slow, fast]);

        var decision = PolicyEngine.Plan(world).Decisions.Should().ContainSingle().Subject;

        decision.Numbers.RateBytesPerSecond.Should().Be(1e6, "the pair a→b was measured at 1 MB/s");
        decision.Numbers.PredictedTime!.Value.TotalSeconds.Should().BeApproximately(5 + (1.5 * GiB / 1e6), 0.01);
    }

    [Fact]
    public void Placement_and_capacity_type_limit_the_targets()
    {
        var forbidden = World(Noon.AddMinutes(29.5), [Pod("vm", "a-1", Spot20, spot: SpotPolicy.Forbidden)],
            [Cluster("a", 0.3m, onDemand: 1m), Cluster("b", 0.1m, onDemand: 1m)], [Node("a-1", "a", spot: false), Node("b-1", "b", spot: true)]);
        var full = World(Noon.AddMinutes(29.5), [Pod("vm", "a-1", Spot20)], [Cluster("a", 1m), Cluster("b", 0.5m)], [Node("a-1", "a"), Node("b-1", "b", cpus: 0)]);

        PolicyEngine.Plan(forbidden).Decisions.Should().BeEmpty("the only cheaper node is spot and the SuperPod forbids spot");
        PolicyEngine.Plan(full).Decisions.Should().BeEmpty("b-1 has no room");
    }

    [Fact]
    public void Cooldown_holds_a_move_back_and_names_when_it_ends()
    {
        var recent = new PastMigration("default/vm", MigrationReason.SpotPrice, "p", Noon.AddMinutes(25));
        var plan = PolicyEngine.Plan(PriceWorld(Noon.AddMinutes(29.5), rules: Spot20 with { Cooldown = TimeSpan.FromMinutes(10) }, history: [recent]));

        plan.Decisions.Should().BeEmpty();
        plan.Deferrals.Should().ContainSingle().Which.Reason.Should().Contain("cooldown 10m").And.Contain("12:35:00Z");
        plan.NextEvaluation.Should().Be(Noon.AddMinutes(35));
    }

    [Fact]
    public void The_daily_budget_counts_policy_moves_of_the_utc_day_but_not_interruptions()
    {
        PastMigration Past(MigrationReason reason, double hoursAgo) => new("default/vm", reason, "p", Noon.AddHours(-hoursAgo));
        var spent = PriceWorld(Noon.AddMinutes(29.5), rules: Spot20 with { DailyBudget = 2 }, history: [Past(MigrationReason.SpotPrice, 3), Past(MigrationReason.SpotPrice, 2)]);
        var yesterday = PriceWorld(Noon.AddMinutes(29.5), rules: Spot20 with { DailyBudget = 2 }, history: [Past(MigrationReason.SpotPrice, 13), Past(MigrationReason.SpotInterruption, 2)]);

        PolicyEngine.Plan(spent).Deferrals.Should().ContainSingle().Which.Reason.Should().Contain("daily budget of 2");
        PolicyEngine.Plan(yesterday).Decisions.Should().ContainSingle("one move was yesterday and interruptions do not count");
    }

    [Fact]
    public void Concurrency_limits_defer_price_moves()
    {
        var world = PriceWorld(Noon.AddMinutes(29.5)) with { ActiveMigrations = new Dictionary<string, int> { ["x-1"] = 5 } };

        PolicyEngine.Plan(world).Deferrals.Should().ContainSingle().Which.Reason.Should().Contain("concurrency limit (5/5");
    }

    [Fact]
    public void An_interruption_moves_every_pod_off_biggest_first_within_the_deadline_and_ignores_cooldown()
    {
        var deadline = Noon.AddMinutes(2);
        var recent = new PastMigration("default/small", MigrationReason.SpotPrice, "p", Noon.AddMinutes(-1));
        var rules = Rules(cooldown: TimeSpan.FromHours(1), budget: 0);
        var world = World(Noon,
            [Pod("small", "a-1", rules, memory: GiB / 2), Pod("big", "a-1", rules, memory: 2 * GiB), Pod("mid", "a-1", rules, memory: GiB)],
            [Cluster("a", 0.3m), Cluster("b", 0.4m), Cluster("c", 0.5m)],
            [Node("a-1", "a", notice: deadline), Node("b-1", "b", cpus: 2), Node("c-1", "c")], [recent]);

        var plan = PolicyEngine.Plan(world);

        plan.Decisions.Select(d => d.Pod).Should().Equal("default/big", "default/mid", "default/small");
        plan.Decisions.Should().OnlyContain(d => d.Reason == MigrationReason.SpotInterruption && d.Numbers.PredictedTime + Costs.SafetyMargin <= TimeSpan.FromMinutes(2));
        plan.Decisions.Select(d => d.TargetNode).Should().Equal(["b-1", "b-1", "c-1"], "the cheapest room first, until it is full");
    }

    [Fact]
    public void An_interruption_waits_for_outbound_slots_and_turns_to_post_copy_when_pre_copy_cannot_make_it()
    {
        // 3 GiB at 100 MB/s: pre-copy 5 + 48 s, post-copy 5 + 32 s. One slot: the second pod starts after the first.
        var rules = Rules();
        var world = World(Noon, [Pod("one", "a-1", rules, memory: 3 * GiB), Pod("two", "a-1", rules, memory: 3 * GiB)],
            [Cluster("a", 0.3m), Cluster("b", 0.4m)], [Node("a-1", "a", cpus: 16, notice: Noon.AddSeconds(110)), Node("b-1", "b", cpus: 16)], maxOutbound: 1);

        var plan = PolicyEngine.Plan(world);

        plan.Decisions.Should().HaveCount(2);
        plan.Decisions[0].PostCopy.Should().BeFalse();
        plan.Decisions[1].PostCopy.Should().BeTrue("after the first's 53 s only post-copy's 37 s fits in the 110 s");
        plan.Decisions[1].Numbers.PredictedTime!.Value.TotalSeconds.Should().BeApproximately(53.3 + 37.2, 0.5);
    }

    [Fact]
    public void An_interruption_that_nothing_can_make_still_moves_by_the_fastest_path_and_says_so()
    {
        var world = World(Noon, [Pod("vm", "a-1", Rules(), memory: 16 * GiB)], [Cluster("a", 0.3m), Cluster("b", 0.4m)],
            [Node("a-1", "a", cpus: 16, notice: Noon.AddSeconds(30)), Node("b-1", "b", cpus: 16)]);

        var decision = PolicyEngine.Plan(world).Decisions.Should().ContainSingle().Subject;

        decision.PostCopy.Should().BeTrue();
        decision.Message.Should().Contain("no target makes the deadline");
    }

    [Fact]
    public void An_interruption_prefers_on_demand_when_the_policy_says_so_and_skips_other_noticed_nodes()
    {
        var world = World(Noon, [Pod("vm", "a-1", Rules(preferOnDemand: true))], [Cluster("a", 0.3m), Cluster("b", 0.1m, onDemand: 0.9m)],
            [Node("a-1", "a", notice: Noon.AddMinutes(2)), Node("a-2", "a", notice: Noon.AddMinutes(2)), Node("b-spot", "b"), Node("b-od", "b", spot: false)]);

        PolicyEngine.Plan(world).Decisions.Should().ContainSingle().Which.TargetNode.Should().Be("b-od");
    }

    [Fact]
    public void With_no_room_anywhere_an_interruption_is_reported_not_dropped_silently()
    {
        var world = World(Noon, [Pod("vm", "a-1", Rules())], [Cluster("a", 0.3m)], [Node("a-1", "a", notice: Noon.AddMinutes(2))]);

        PolicyEngine.Plan(world).Deferrals.Should().ContainSingle().Which.Reason.Should().Contain("no other node has room");
    }

    [Fact]
    public void An_elastic_cluster_counts_its_provisioning_time()
    {
        var world = World(Noon.AddMinutes(29.5), [Pod("vm", "a-1", Spot20)], [Cluster("a", 1m), Cluster("b", 0.5m, provision: TimeSpan.FromSeconds(60))], [Node("a-1", "a")]);

        var decision = PolicyEngine.Plan(world).Decisions.Should().ContainSingle().Subject;

        decision.TargetNode.Should().BeNull();
        decision.Numbers.PredictedTime!.Value.TotalSeconds.Should().BeGreaterThan(60);
    }

    [Fact]
    public void Follow_the_sun_moves_towards_the_clients_active_now_when_the_gain_beats_the_threshold()
    {
        var tokyo = new Dictionary<string, int> { ["ap-northeast-1"] = 5, ["eu-central-1"] = 230 };
        var frankfurt = new Dictionary<string, int> { ["ap-northeast-1"] = 230, ["eu-central-1"] = 5 };
        PolicyClient[] clients = [new("ap-northeast-1", 1, 0, 8), new("eu-central-1", 1, 8, 16)];
        var rules = Rules(sun: new SunRule(null, 0.3));
        PolicyWorld At(int hour) => World(Noon.Date.AddHours(hour), [Pod("vm", "tokyo-1", rules, clients: clients)],
            [Cluster("tokyo", 0.3m, latency: tokyo), Cluster("frankfurt", 0.3m, latency: frankfurt)], [Node("tokyo-1", "tokyo"), Node("frankfurt-1", "frankfurt")]);

        PolicyEngine.Plan(At(3)).Decisions.Should().BeEmpty("Tokyo's clients are the active ones");
        var decision = PolicyEngine.Plan(At(9)).Decisions.Should().ContainSingle().Subject;
        decision.Reason.Should().Be(MigrationReason.FollowTheSun);
        decision.TargetCluster.Should().Be("frankfurt");
        decision.Numbers.Gain.Should().BeApproximately((230 - 5) / 230.0, 1e-9);
        PolicyEngine.Plan(At(9)).NextEvaluation.Should().Be(Noon.Date.AddHours(10));
    }

    [Fact]
    public void Follow_the_sun_stays_when_the_gain_is_under_the_threshold()
    {
        var here = new Dictionary<string, int> { ["eu-west-1"] = 20 };
        var there = new Dictionary<string, int> { ["eu-west-1"] = 16 };
        var world = World(Noon, [Pod("vm", "a-1", Rules(sun: new SunRule(null, 0.3)), clients: [new PolicyClient("eu-west-1", 1)])],
            [Cluster("a", 0.3m, latency: here), Cluster("b", 0.3m, latency: there)], [Node("a-1", "a"), Node("b-1", "b")]);

        PolicyEngine.Plan(world).Decisions.Should().BeEmpty("20 % is under 30 %");
    }

    [Fact]
    public void A_sun_schedule_moves_to_the_region_of_the_hour()
    {
        var rules = Rules(sun: new SunRule([new SunStep(0, "ap-northeast-1"), new SunStep(8, "eu-central-1"), new SunStep(16, "us-east-1")], 0));
        var world = World(Noon, [Pod("vm", "t-1", rules)],
            [Cluster("t", 0.3m, region: "ap-northeast-1"), Cluster("f", 0.3m, region: "eu-central-1"), Cluster("v", 0.3m, region: "us-east-1")],
            [Node("t-1", "t"), Node("f-1", "f"), Node("v-1", "v")]);

        PolicyEngine.Plan(world).Decisions.Should().ContainSingle().Which.TargetCluster.Should().Be("f");
        rules.FollowTheSun!.RegionAt(23).Should().Be("us-east-1");
    }

    [Fact]
    public void Busy_pods_and_pods_on_vanished_nodes_are_left_alone()
    {
        var world = World(Noon.AddMinutes(29.5), [Pod("vm", "a-1", Spot20) with { Busy = true }, Pod("ghost", "gone", Spot20)],
            [Cluster("a", 1m), Cluster("b", 0.5m)], [Node("a-1", "a"), Node("b-1", "b")]);

        PolicyEngine.Plan(world).Decisions.Should().BeEmpty();
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(59, 1)]
    [InlineData(60, 2)]
    [InlineData(-5, 1)]
    public void Billing_periods_count_from_the_anchor(int minutesAfterAnchor, int expectedEnd)
    {
        var anchor = Noon;
        var (start, boundary) = PolicyEngine.BillingPeriodAt(anchor, TimeSpan.FromHours(1), anchor.AddMinutes(minutesAfterAnchor));

        boundary.Should().Be(anchor.AddHours(expectedEnd));
        start.Should().Be(anchor.AddHours(expectedEnd - 1));
    }
}
