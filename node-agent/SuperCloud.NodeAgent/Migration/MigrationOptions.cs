namespace SuperCloud.NodeAgent.Migration;

/// <summary>Settings of the agent's live-migration data path; bound from the <c>Migration</c> configuration section.</summary>
public sealed class MigrationOptions
{
    /// <summary>Where the agent's Unix sockets to the hypervisor's migration streams live (short: a socket path holds 107 bytes).</summary>
    public string SocketDirectory { get; set; } = "/run/supercloud-agent";

    /// <summary>How long connecting to the peer agent (TCP and TLS) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the handshake on a migration connection (hello, then accept or reject) may take.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the hypervisor may take to connect to (source) or accept (target) the agent's stream socket.</summary>
    public TimeSpan HypervisorConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Target: how long, after the switch-over message, the hypervisor may take to finish loading before it resumes.</summary>
    public TimeSpan ResumeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Source: how long after a completed transfer it waits for the target to confirm that the VM resumed.</summary>
    public TimeSpan SwitchAcknowledgeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the hypervisor's counters are read while a migration runs (events wake it up earlier).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest a target's one-time token is accepted after it was issued; a migration's own completion timeout
    /// (given by the operator) shortens it.
    /// </summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the ownership record of a VM no longer on this host is kept after its last change.</summary>
    public TimeSpan OwnershipRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Payload bytes per frame of the stream pump.</summary>
    public int ChunkSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Fault injection for tests: flip one byte at this offset of every outgoing framed stream this agent sends (the
    /// receiver's digest check must catch it); -1, the default, never. Logged loudly when set.
    /// </summary>
    public long CorruptOutgoingStreamByteAt { get; set; } = -1;

    /// <summary>Returns the problems in these options, each naming its option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(SocketDirectory) || !Path.IsPathFullyQualified(SocketDirectory) || SocketDirectory.Length > 60)
        {
            errors.Add($"Migration:SocketDirectory must be an absolute path of at most 60 characters, got '{SocketDirectory}'");
        }

        foreach (var (name, value) in new[]
        {
            ("ConnectTimeout", ConnectTimeout), ("HandshakeTimeout", HandshakeTimeout), ("HypervisorConnectTimeout", HypervisorConnectTimeout),
            ("ResumeTimeout", ResumeTimeout), ("SwitchAcknowledgeTimeout", SwitchAcknowledgeTimeout), ("ProgressInterval", ProgressInterval),
            ("MaxTokenLifetime", MaxTokenLifetime), ("OwnershipRetention", OwnershipRetention),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Migration:{name} must be positive, got {value}");
            }
        }

        if (ChunkSize is < 4096 or > MigrationWire.MaxPayload)
        {
            errors.Add($"Migration:ChunkSize must be between 4096 and {MigrationWire.MaxPayload}, got {ChunkSize}");
        }

        if (CorruptOutgoingStreamByteAt < -1)
        {
            errors.Add($"Migration:CorruptOutgoingStreamByteAt must be -1 (off) or a byte offset, got {CorruptOutgoingStreamByteAt}");
        }

        return errors;
    }
}
