using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Why a migration was started.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MigrationReason>))]
public enum MigrationReason
{
    /// <summary>A user asked for it.</summary>
    Manual,

    /// <summary>Cheaper capacity is available elsewhere.</summary>
    SpotPrice,

    /// <summary>The spot instance the SuperPod runs on is being reclaimed.</summary>
    SpotInterruption,

    /// <summary>The SuperPod follows its clients' time zones or locations.</summary>
    FollowTheSun,

    /// <summary>The SuperPod moves next to a StubResource it uses.</summary>
    StubAccess,

    /// <summary>The node is being drained.</summary>
    NodeDrain,
}
