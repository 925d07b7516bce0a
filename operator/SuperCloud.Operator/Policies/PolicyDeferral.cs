namespace SuperCloud.Operator.Policies;

/// <summary>A move the engine would make but holds back (cooldown, budget, concurrency, no room, a deadline it cannot make), and why.</summary>
/// <param name="Pod">namespace/name of the SuperPod.</param>
/// <param name="Policy">Its MigrationPolicy.</param>
/// <param name="Reason">Why it is held back, with the numbers.</param>
public sealed record PolicyDeferral(string Pod, string Policy, string Reason);
