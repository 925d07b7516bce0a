namespace SuperCloud.Operator.Cost;

/// <summary>One accounting step: the account now, whether it is to be written, and when to look again.</summary>
/// <param name="Ledger">The account brought to now.</param>
/// <param name="Write">True when the status is due or the rate changed.</param>
/// <param name="Next">How long until the next write falls due.</param>
public sealed record CostStep(CostLedger Ledger, bool Write, TimeSpan Next);
