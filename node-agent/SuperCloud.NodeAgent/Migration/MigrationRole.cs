namespace SuperCloud.NodeAgent.Migration;

/// <summary>This agent's end of a migration.</summary>
public enum MigrationRole
{
    /// <summary>The VM moves away from this host.</summary>
    Source,

    /// <summary>The VM moves to this host.</summary>
    Target,
}
