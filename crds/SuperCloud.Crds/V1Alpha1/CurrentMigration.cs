namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The migration a SuperPod is going through.</summary>
public sealed class CurrentMigration
{
    /// <summary>The SuperPodMigration name.</summary>
    public string? Name { get; set; }

    /// <summary>Its phase.</summary>
    public MigrationPhase? Phase { get; set; }
}
