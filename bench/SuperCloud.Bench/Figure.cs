namespace SuperCloud.Bench;

/// <summary>One measured figure beside the baseline measured in the same run.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Value">The figure.</param>
/// <param name="Baseline">The baseline figure, measured in the same run.</param>
/// <param name="Unit">Unit of both figures.</param>
/// <param name="BaselineName">What the baseline is.</param>
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
