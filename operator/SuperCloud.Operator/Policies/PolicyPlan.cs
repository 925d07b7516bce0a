namespace SuperCloud.Operator.Policies;

/// <summary>The outcome of one evaluation: migrations to create, moves held back, and when to look again.</summary>
/// <param name="Decisions">Migrations to create, interruptions first.</param>
/// <param name="Deferrals">Moves held back, with why.</param>
/// <param name="NextEvaluation">The next instant at which a decision may change without any input changing (a billing window opens, a cooldown ends, a schedule turns), or null.</param>
public sealed record PolicyPlan(IReadOnlyList<PolicyDecision> Decisions, IReadOnlyList<PolicyDeferral> Deferrals, DateTime? NextEvaluation);
