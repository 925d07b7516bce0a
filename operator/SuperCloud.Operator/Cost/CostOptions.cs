namespace SuperCloud.Operator.Cost;

/// <summary>How often accumulated costs are written to SuperPod and SuperCluster status.</summary>
public sealed class CostOptions
{
    /// <summary>
    /// The longest a status.cost stays unwritten while its rate is unchanged; a rate that changes (a spot price, a
    /// migration) is written at once. Bounds the status writes to one per object and interval.
    /// </summary>
    public TimeSpan WriteInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming an unusable setting.</summary>
    public void Validate()
    {
        if (WriteInterval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"Operator:Cost:WriteInterval must be at least 1s, not {WriteInterval}", nameof(WriteInterval));
        }
    }
}
