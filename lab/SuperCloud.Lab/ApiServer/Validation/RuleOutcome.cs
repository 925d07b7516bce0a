namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>The result of one rule evaluation.</summary>
/// <param name="Passed">True when the rule held.</param>
/// <param name="Detail">The error detail when it did not.</param>
/// <param name="IsEvaluationError">True when the rule could not be evaluated rather than returning false.</param>
internal readonly record struct RuleOutcome(bool Passed, string? Detail, bool IsEvaluationError)
{
    public static RuleOutcome Success => new(true, null, false);
}
