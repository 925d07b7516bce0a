using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The phase of a SuperPodMigration.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MigrationPhase>))]
public enum MigrationPhase
{
    /// <summary>Accepted, not yet started.</summary>
    Pending,

    /// <summary>Choosing the target node.</summary>
    Scheduling,

    /// <summary>The target agent is preparing an incoming VM.</summary>
    PreparingTarget,

    /// <summary>Memory is being copied while the VM runs on the source.</summary>
    Transferring,

    /// <summary>The VM is paused on the source and resumes on the target.</summary>
    Switching,

    /// <summary>The VM runs on the target.</summary>
    Succeeded,

    /// <summary>The migration failed; the VM still runs on the source.</summary>
    Failed,

    /// <summary>The migration was cancelled; the VM still runs on the source.</summary>
    Cancelled,
}
