using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Operator.Agents;

/// <summary>How the operator reaches node agents: mutual TLS material and the deadline of every call.</summary>
public sealed record AgentClientOptions
{
    /// <summary>The cluster CA: the only trust anchor for agent server certificates.</summary>
    public required X509Certificate2 ClusterCa { get; init; }

    /// <summary>The operator's client certificate (with private key); its identity must be the one agents accept, <c>supercloud-operator</c>.</summary>
    public required X509Certificate2 ClientCertificate { get; init; }

    /// <summary>The deadline of each unary agent call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a TCP connect to an agent may take before the agent counts as unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Loads the CA and the client certificate and key from PEM files (as mounted from the operator's Secret).</summary>
    public static AgentClientOptions FromPemFiles(string caPath, string certificatePath, string keyPath)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

        // TLS on Linux wants a key that is not ephemeral; a PKCS#12 round trip gives one.
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        return new AgentClientOptions { ClusterCa = ca, ClientCertificate = client };
    }

    /// <summary>Throws when a setting is unusable, naming it.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ClusterCa, nameof(ClusterCa));
        ArgumentNullException.ThrowIfNull(ClientCertificate, nameof(ClientCertificate));
        if (!ClientCertificate.HasPrivateKey)
        {
            throw new ArgumentException($"agent client certificate '{ClientCertificate.Subject}' has no private key", nameof(ClientCertificate));
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
