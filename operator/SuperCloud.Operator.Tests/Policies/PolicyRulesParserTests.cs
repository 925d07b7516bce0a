using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Policies;

namespace SuperCloud.Operator.Tests.Policies;

/// <summary>A MigrationPolicy becomes engine rules, and what the schema lets through but cannot work is refused naming the field.</summary>
public sealed class PolicyRulesParserTests
{
    private static MigrationPolicy Policy(MigrationTriggers triggers, string? cooldown = null, int? budget = null, MigrationLimits? limits = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p" },
        Spec = new MigrationPolicySpec { Triggers = triggers, Cooldown = cooldown, DailyBudget = budget, Limits = limits },
    };

    [Fact]
    public void Spot_price_and_interruption_triggers_become_rules_with_their_defaults()
    {
        var rules = PolicyRulesParser.Parse(Policy(new MigrationTriggers { SpotPrice = new SpotPriceTrigger { BillingPeriod = "90s" }, SpotInterruption = new SpotInterruptionTrigger() }));

        rules.SpotPrice.Should().Be(new SpotPriceRule(0.2, TimeSpan.FromSeconds(90), PriceEvaluation.BillingBoundary));
        rules.SpotInterruption.Should().BeTrue();
        rules.Cooldown.Should().Be(TimeSpan.FromMinutes(10));
        rules.DailyBudget.Should().Be(24);
        rules.AllowPostCopy.Should().BeTrue("an interruption may need post-copy unless the policy forbids it");
    }

    [Fact]
    public void Follow_the_sun_takes_its_schedule_or_the_client_locations_with_a_gain_threshold()
    {
        var schedule = PolicyRulesParser.Parse(Policy(new MigrationTriggers { FollowTheSun = new FollowTheSunTrigger { Schedule = [new SunScheduleEntry { FromHourUtc = 8, Region = "eu-west-1" }] } }));
        var clients = PolicyRulesParser.Parse(Policy(new MigrationTriggers { FollowTheSun = new FollowTheSunTrigger { UseClientLocations = true, MinGainPercent = 35 } }));

        schedule.FollowTheSun!.RegionAt(12).Should().Be("eu-west-1");
        clients.FollowTheSun.Should().Be(new SunRule(null, 0.35));
    }

    [Theory]
    [InlineData("conflict", "spec.triggers.followTheSun")]
    [InlineData("zero-budget", "spec.dailyBudget: 0")]
    [InlineData("unreachable-budget", "spec.dailyBudget: 48 migrations a day cannot happen with spec.cooldown 1h")]
    [InlineData("bad-period", "spec.triggers.spotPrice.billingPeriod")]
    [InlineData("bad-downtime", "spec.limits.maxDowntime")]
    [InlineData("twice", "spec.triggers.followTheSun.schedule: hour 8 appears more than once")]
    public void Unworkable_policies_are_refused_naming_the_field(string which, string field)
    {
        var policy = which switch
        {
            "conflict" => Policy(new MigrationTriggers { SpotPrice = new SpotPriceTrigger(), FollowTheSun = new FollowTheSunTrigger { UseClientLocations = true } }),
            "zero-budget" => Policy(new MigrationTriggers { SpotPrice = new SpotPriceTrigger() }, budget: 0),
            "unreachable-budget" => Policy(new MigrationTriggers { SpotPrice = new SpotPriceTrigger() }, cooldown: "1h", budget: 48),
            "bad-period" => Policy(new MigrationTriggers { SpotPrice = new SpotPriceTrigger { BillingPeriod = "0s" } }),
            "bad-downtime" => Policy(new MigrationTriggers { SpotInterruption = new SpotInterruptionTrigger() }, limits: new MigrationLimits { MaxDowntime = "0s" }),
            _ => Policy(new MigrationTriggers
            {
                FollowTheSun = new FollowTheSunTrigger { Schedule = [new SunScheduleEntry { FromHourUtc = 8, Region = "a" }, new SunScheduleEntry { FromHourUtc = 8, Region = "b" }] },
            }),
        };

        var parse = () => PolicyRulesParser.Parse(policy);

        parse.Should().Throw<FormatException>().Which.Message.Should().StartWith(field);
    }

    [Fact]
    public void A_zero_budget_is_fine_for_interruptions_alone()
    {
        PolicyRulesParser.Parse(Policy(new MigrationTriggers { SpotInterruption = new SpotInterruptionTrigger() }, budget: 0)).DailyBudget.Should().Be(0);
    }
}
