using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Operator.Agents;

/// <summary>How the operator reaches node agents: its mutual TLS credentials and the deadline of every call.</summary>
public sealed record AgentClientOptions
{
    /// <summary>The operator's client certificate (identity supercloud://operator) and the trust bundle for agents' server certificates.</summary>
    public required TlsCredentials Credentials { get; init; }

    /// <summary>The deadline of each unary agent call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a TCP connect to an agent may take before the agent counts as unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Loads the trust bundle and the client certificate and key from PEM files (as mounted from the operator's Secret),
    /// re-read every <paramref name="reloadInterval"/> when they change.
    /// </summary>
    public static AgentClientOptions FromPemFiles(
        string caPath, string certificatePath, string keyPath, TimeSpan reloadInterval, TimeProvider timeProvider, Action<Exception>? onReloadFailure = null) =>
        new() { Credentials = TlsCredentials.FromFiles(certificatePath, keyPath, caPath, reloadInterval, timeProvider, onReloadFailure) };

    /// <summary>Throws when a setting is unusable, naming it.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Credentials, nameof(Credentials));
        if (!Credentials.Certificate.HasPrivateKey)
        {
            throw new ArgumentException($"agent client certificate '{Credentials.Certificate.Subject}' has no private key", nameof(Credentials));
        }

        if (Credentials.Identity != PeerIdentity.Operator)
        {
            throw new ArgumentException(
                $"agent client certificate '{Credentials.Certificate.Subject}' carries {Credentials.Identity?.ToString() ?? "no SuperCloud identity"}, not the operator's ({PeerIdentity.Operator.ToUri()})",
                nameof(Credentials));
        }

        if (CallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CallTimeout), CallTimeout, "agent CallTimeout must be positive");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "agent ConnectTimeout must be positive");
        }
    }
}
