namespace SuperCloud.Operator.Scheduling;

/// <summary>One score's contribution to the chosen node, for the explanation.</summary>
/// <param name="Plugin">The score plugin.</param>
/// <param name="Points">Weighted normalised points it gave the node (weight × 0–100).</param>
/// <param name="Decisive">True when the plugin told the feasible nodes apart (not every node got the same score).</param>
/// <param name="Text">The plugin's explanation of the node's raw value.</param>
public sealed record ScoreReason(string Plugin, double Points, bool Decisive, string Text)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Plugin}: {Text}";
}
