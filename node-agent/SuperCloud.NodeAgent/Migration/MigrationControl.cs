using System.Text.Json.Serialization;
using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// A control message between the two agents of a migration, carried in a CONTROL record of the migration connection:
/// the handshake (hello, accept, reject) and the switch-over (switch, resumed, abort, failed).
/// </summary>
internal sealed record MigrationControl
{
    public const string Hello = "hello";
    public const string Accept = "accept";
    public const string Reject = "reject";
    public const string Switch = "switch";
    public const string Resumed = "resumed";
    public const string Abort = "abort";
    public const string Failed = "failed";

    /// <summary>The channel-name prefix of a disk's connection (the memory stream's connection names none).</summary>
    public const string DiskChannelPrefix = "disk/";

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("migrationId")]
    public string? MigrationId { get; init; }

    [JsonPropertyName("vmId")]
    public string? VmId { get; init; }

    /// <summary>Hello only: the one-time token the operator gave both agents.</summary>
    [JsonPropertyName("token")]
    public byte[]? Token { get; init; }

    /// <summary>Hello only: which stream the connection carries, <c>disk/NAME</c> for a disk's mirror; none for memory.</summary>
    [JsonPropertyName("channel")]
    public string? Channel { get; init; }

    [JsonPropertyName("reason")]
    [JsonConverter(typeof(JsonStringEnumConverter<MigrationFailureReason>))]
    public MigrationFailureReason Reason { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>Switch: when the source stopped the VM; resumed: when the target resumed it.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset? At { get; init; }

    /// <inheritdoc />
    public override string ToString() => Reason == MigrationFailureReason.Unspecified ? Type : $"{Type} ({Reason}: {Message})";
}
