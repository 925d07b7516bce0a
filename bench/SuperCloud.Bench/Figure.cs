namespace SuperCloud.Bench;

/// <summary>One measured figure beside its baseline: measured in the same run, or a quoted constant that BaselineName says is one.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Value">The figure.</param>
/// <param name="Baseline">The baseline figure: measured in the same run, except the rows whose BaselineName begins "QUOTED".</param>
/// <param name="Unit">Unit of both figures.</param>
/// <param name="BaselineName">What the baseline is, with its size (nodes, pods, bytes) where the figure's depends on it.</param>
/// <param name="HigherIsBetter">True for throughputs, false for latencies and sizes.</param>
/// <param name="ManagedMemoryBytes">Managed heap in use after the measurement.</param>
internal sealed record Figure(
    string Name,
    double Value,
    double Baseline,
    string Unit,
    string BaselineName,
    bool HigherIsBetter,
    long ManagedMemoryBytes)
{
    /// <summary>Value divided by baseline.</summary>
    public double Ratio => Baseline == 0 ? double.NaN : Value / Baseline;
}
