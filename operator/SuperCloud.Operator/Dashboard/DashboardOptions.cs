namespace SuperCloud.Operator.Dashboard;

/// <summary>The read-only dashboard (section "Operator:Dashboard").</summary>
public sealed class DashboardOptions
{
    /// <summary>Where the dashboard is served (<c>http://0.0.0.0:8081</c>), apart from /metrics; empty serves none.</summary>
    public string? ListenAddress { get; set; }

    /// <summary>How often the cost chart takes a point while nothing else changes.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Points kept per cloud in the cost chart.</summary>
    public int HistoryPoints { get; set; } = 720;

    /// <summary>True when a listen address is set.</summary>
    public bool Enabled => !string.IsNullOrEmpty(ListenAddress);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first unusable setting.</summary>
    public void Validate()
    {
        if (Enabled && (!Uri.TryCreate(ListenAddress, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"Operator:Dashboard:ListenAddress must be an http(s) URL like http://0.0.0.0:8081, not '{ListenAddress}'", nameof(ListenAddress));
        }

        if (SampleInterval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"Operator:Dashboard:SampleInterval must be at least 1s, not {SampleInterval}", nameof(SampleInterval));
        }

        if (HistoryPoints < 2)
        {
            throw new ArgumentException($"Operator:Dashboard:HistoryPoints must be at least 2, not {HistoryPoints}", nameof(HistoryPoints));
        }
    }
}
