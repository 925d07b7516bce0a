using System.Globalization;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;

namespace SuperCloud.Operator.Policies;

/// <summary>Turns a MigrationPolicy into <see cref="PolicyRules"/>; what the schema cannot catch is refused with the field named.</summary>
public static class PolicyRulesParser
{
    /// <summary>Parses <paramref name="policy"/>; a bad value throws <see cref="FormatException"/> naming its field.</summary>
    public static PolicyRules Parse(MigrationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var spec = policy.Spec;
        var triggers = spec.Triggers ?? throw new FormatException("spec.triggers: required");
        if (triggers.SpotPrice is not null && triggers.FollowTheSun is not null)
        {
            throw new FormatException("spec.triggers.followTheSun: spotPrice and followTheSun pull a SuperPod towards different places: set one of them per policy");
        }

        var cooldown = Duration(spec.Cooldown ?? "10m", "spec.cooldown", allowZero: true);
        var budget = spec.DailyBudget ?? 24;
        if (budget == 0 && (triggers.SpotPrice is not null || triggers.FollowTheSun is not null || triggers.StubAccess is not null))
        {
            throw new FormatException("spec.dailyBudget: 0 leaves no migration for the spotPrice, followTheSun or stubAccess triggers");
        }

        // One UTC day fits at most floor(24h / cooldown) + 1 migrations spaced by the cooldown.
        var reachable = cooldown > TimeSpan.Zero ? (long)Math.Floor(TimeSpan.FromDays(1) / cooldown) + 1 : long.MaxValue;
        if (budget > reachable)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"spec.dailyBudget: {budget} migrations a day cannot happen with spec.cooldown {spec.Cooldown} between two (at most {reachable})"));
        }

        SpotPriceRule? price = null;
        if (triggers.SpotPrice is { } spot)
        {
            price = new SpotPriceRule(
                (spot.MinSavingPercent ?? 20) / 100.0,
                spot.BillingPeriod is { Length: > 0 } period ? Duration(period, "spec.triggers.spotPrice.billingPeriod", allowZero: false) : null,
                spot.EvaluateAt ?? PriceEvaluation.BillingBoundary);
        }

        SunRule? sun = null;
        if (triggers.FollowTheSun is { } follow)
        {
            var steps = follow.Schedule?.Select(s => new SunStep(s.FromHourUtc, s.Region)).ToList();
            if (steps is not null && steps.GroupBy(s => s.FromHourUtc).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new FormatException($"spec.triggers.followTheSun.schedule: hour {twice.Key} appears more than once");
            }

            if (steps is null && follow.UseClientLocations != true)
            {
                throw new FormatException("spec.triggers.followTheSun: set either schedule or useClientLocations: true");
            }

            sun = new SunRule(steps, (follow.MinGainPercent ?? 20) / 100.0);
        }

        EffectiveMigrationLimits limits;
        try
        {
            limits = MigrationLimitsResolver.Resolve(null, policy);
        }
        catch (FormatException e)
        {
            throw new FormatException(e.Message.Replace($"MigrationPolicy {policy.Metadata.Name} ", "", StringComparison.Ordinal), e);
        }

        var interruption = triggers.SpotInterruption is { } notice && notice.Enabled != false;
        return new PolicyRules(
            policy.Metadata.Name, price, interruption, triggers.SpotInterruption?.PreferOnDemand == true, sun, cooldown, budget,
            AllowPostCopy: policy.Spec.Limits?.AllowPostCopy != false, BandwidthBytesPerSecond: limits.BandwidthBytesPerSecond);
    }

    private static TimeSpan Duration(string text, string field, bool allowZero)
    {
        var value = GoDuration.Parse(text, field);
        return value > TimeSpan.Zero || (allowZero && value == TimeSpan.Zero) ? value : throw new FormatException($"{field}: \"{text}\" must be positive");
    }
}
