using System.Globalization;

namespace SuperCloud.Bench;

/// <summary>Prints figures as a table: figure, baseline, ratio and memory.</summary>
internal static class Report
{
    public static void Print(IReadOnlyList<Figure> figures, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{"figure",-48} {"value",14} {"baseline",14} {"ratio",8}  {"memory",10}  baseline is"));
        foreach (var f in figures)
        {
            output.WriteLine(string.Create(c,
                $"{f.Name,-48} {Format(f.Value, f.Unit),14} {Format(f.Baseline, f.Unit),14} {f.Ratio,8:0.00}x {f.ManagedMemoryBytes / 1048576.0,8:0.0}MiB  {f.BaselineName}"));
        }
    }

    private static string Format(double value, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {unit}");
}
