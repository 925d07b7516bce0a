namespace SuperCloud.Bench.SpotReplay;

/// <summary>What one strategy did to the fleet over the trace: accumulated cost per hour, interruptions, moves, restarts and downtime.</summary>
internal sealed class StrategyResult(string name, int hours)
{
    public string Name { get; } = name;

    /// <summary>Fleet cost accumulated by the end of each hour.</summary>
    public double[] Accumulated { get; } = new double[hours];

    public double CostUsd => Accumulated.Length == 0 ? 0 : Accumulated[^1];

    public int Interruptions { get; set; }

    public int InterruptionsSurvived { get; set; }

    /// <summary>VMs whose host went away before they left it: restarted elsewhere, their memory lost.</summary>
    public int VmsLost { get; set; }

    public int PriceMigrations { get; set; }

    public int InterruptionMigrations { get; set; }

    public int PostCopyMigrations { get; set; }

    public double DowntimeSeconds { get; set; }
}
