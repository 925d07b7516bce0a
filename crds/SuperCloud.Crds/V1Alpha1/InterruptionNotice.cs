namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A cloud's notice that a spot host will be reclaimed.</summary>
public sealed class InterruptionNotice
{
    /// <summary>When the host will be reclaimed.</summary>
    public DateTime? Time { get; set; }

    /// <summary>The provider's reason (<c>terminate</c>, <c>stop</c>, <c>rebalance</c>).</summary>
    public string? Reason { get; set; }
}
