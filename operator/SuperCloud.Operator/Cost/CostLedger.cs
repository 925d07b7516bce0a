using System.Globalization;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Cost;

/// <summary>
/// One object's running account: the exact amounts accounted up to <see cref="Until"/> and the rate in force since.
/// The amounts are kept exact in memory and rounded to the status's six decimals only when written, so frequent writes
/// of a small rate lose nothing; after a restart the account resumes from the written status.
/// </summary>
/// <param name="Since">When accounting began.</param>
/// <param name="Until">The instant the amounts are accounted up to.</param>
/// <param name="Accumulated">Cost at the rates in force.</param>
/// <param name="OnDemandAccumulated">Cost at the on-demand rates in force.</param>
/// <param name="Rate">The rate in force since <paramref name="Until"/>.</param>
public sealed record CostLedger(DateTime Since, DateTime Until, decimal Accumulated, decimal OnDemandAccumulated, CostRate Rate)
{
    private const int Decimals = 6;

    /// <summary>
    /// The account after time passed to <paramref name="now"/> with <paramref name="current"/> the rate now. When the rate
    /// changed, the time before the change is charged at the old rate: the change counts from the price feed's observation
    /// when that lies in the open interval, else from <paramref name="now"/>.
    /// </summary>
    public CostLedger Advance(CostRate current, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(current);

        // Whole seconds: the instant survives the status's timestamp format, so the written account is continued exactly.
        now = WholeSeconds(now);
        if (now <= Until)
        {
            return this with { Rate = current };
        }

        var change = now;
        if (!current.SameAs(Rate) && current.ObservedSince is { } observed && observed > Until && observed < now)
        {
            change = observed;
        }

        var before = Hours(change - Until);
        var after = Hours(now - change);
        return new CostLedger(
            Since,
            now,
            Accumulated + (Rate.PerHour * before) + (current.PerHour * after),
            OnDemandAccumulated + (Rate.OnDemandPerHour * before) + (current.OnDemandPerHour * after),
            current);
    }

    /// <summary>The account as status.cost shows it.</summary>
    public CostStatus ToStatus() => new()
    {
        Currency = Rate.Currency,
        RatePerHour = Format(Rate.PerHour),
        Capacity = Rate.Capacity,
        Accumulated = Format(Accumulated),
        OnDemandAccumulated = Format(OnDemandAccumulated),
        Since = Since,
        LastUpdated = Until,
    };

    /// <summary>True when <paramref name="status"/> is what <see cref="ToStatus"/> writes (so this exact account may continue it).</summary>
    public bool Matches(CostStatus? status) =>
        status is not null && status.LastUpdated == Until && status.Accumulated == Format(Accumulated)
        && status.OnDemandAccumulated == Format(OnDemandAccumulated) && status.RatePerHour == Format(Rate.PerHour)
        && status.Capacity == Rate.Capacity;

    /// <summary>
    /// Resumes the account written in <paramref name="status"/>; the on-demand rate is not written, so it is taken from
    /// <paramref name="onDemandPerHour"/>. A status without an account starts one at <paramref name="now"/>.
    /// </summary>
    public static CostLedger Resume(CostStatus? status, DateTime since, decimal onDemandPerHour, string currency, DateTime now)
    {
        if (status?.LastUpdated is not { } until)
        {
            return new CostLedger(WholeSeconds(since), WholeSeconds(now), 0, 0, CostRate.Idle(currency));
        }

        var rate = new CostRate(
            status.Currency ?? currency,
            status.RatePerHour is null ? 0 : UnitPrices.ParsePrice(status.RatePerHour, "status.cost.ratePerHour"),
            status.Capacity,
            status.Capacity is null ? 0 : onDemandPerHour);
        return new CostLedger(
            status.Since ?? since,
            WholeSeconds(until),
            status.Accumulated is null ? 0 : UnitPrices.ParsePrice(status.Accumulated, "status.cost.accumulated"),
            status.OnDemandAccumulated is null ? 0 : UnitPrices.ParsePrice(status.OnDemandAccumulated, "status.cost.onDemandAccumulated"),
            rate);
    }

    /// <summary>A price as the status's decimal string: at most six decimals, no exponent, no trailing zeros.</summary>
    public static string Format(decimal amount) =>
        decimal.Round(amount, Decimals, MidpointRounding.ToEven).ToString("0.######", CultureInfo.InvariantCulture);

    private static DateTime WholeSeconds(DateTime instant)
    {
        var utc = instant.Kind == DateTimeKind.Local ? instant.ToUniversalTime() : instant;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    private static decimal Hours(TimeSpan span) => span.Ticks / (decimal)TimeSpan.TicksPerHour;
}
