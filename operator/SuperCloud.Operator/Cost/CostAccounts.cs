using System.Collections.Concurrent;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Cost;

/// <summary>
/// The exact running accounts of the objects this replica wrote, by key, so the next write continues from the exact
/// amounts rather than from the rounded status (and knows the on-demand rate that was in force).
/// </summary>
public sealed class CostAccounts
{
    private readonly ConcurrentDictionary<ObjectKey, CostLedger> _ledgers = new();

    /// <summary>The account last written for <paramref name="key"/>, if any.</summary>
    public CostLedger? Get(ObjectKey key) => _ledgers.TryGetValue(key, out var ledger) ? ledger : null;

    /// <summary>Remembers the account written for <paramref name="key"/>.</summary>
    public void Set(ObjectKey key, CostLedger ledger) => _ledgers[key] = ledger;

    /// <summary>
    /// The account of <paramref name="key"/> brought to <paramref name="now"/> with <paramref name="current"/> the rate now,
    /// continued from this replica's exact account when it is what <paramref name="status"/> shows, else from the status;
    /// and whether to write it: when the rate changed, or when <paramref name="interval"/> passed since the last write.
    /// </summary>
    public CostStep Step(ObjectKey key, Crds.V1Alpha1.CostStatus? status, DateTime since, CostRate current, DateTime now, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(current);
        var previous = Get(key) is { } known && known.Matches(status)
            ? known
            : CostLedger.Resume(status, since, current.OnDemandPerHour, current.Currency, now);
        var next = previous.Advance(current, now);
        var fresh = status?.LastUpdated is null;
        var changed = !current.SameAs(previous.Rate);
        var due = next.Until - previous.Until >= interval;
        return new CostStep(next, fresh || changed || due, due || changed || fresh ? interval : interval - (next.Until - previous.Until));
    }

    /// <summary>Forgets <paramref name="key"/> (deleted).</summary>
    public void Remove(ObjectKey key) => _ledgers.TryRemove(key, out _);
}
