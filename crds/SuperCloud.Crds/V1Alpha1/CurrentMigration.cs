namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The migration a SuperPod is going through.</summary>
public sealed class CurrentMigration
{
    /// <summary>The SuperPodMigration name.</summary>
    public string? Name { get; set; }

    /// <summary>Its phase.</summary>
    public MigrationPhase? Phase { get; set; }

    /// <summary>The SuperNode it moves to, once chosen: the scheduler counts the SuperPod's resources there too until it ends.</summary>
    public string? TargetNode { get; set; }
}
