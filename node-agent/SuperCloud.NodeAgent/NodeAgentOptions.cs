using System.Net;

namespace SuperCloud.NodeAgent;

/// <summary>Settings of the node agent; bound from the <c>NodeAgent</c> configuration section.</summary>
public sealed class NodeAgentOptions
{
    /// <summary>This host's name (the SuperNode name).</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>The cloud this host belongs to (label).</summary>
    public string Cloud { get; set; } = "";

    /// <summary>The region this host is in (label).</summary>
    public string Region { get; set; } = "";

    /// <summary>The zone this host is in (label).</summary>
    public string Zone { get; set; } = "";

    /// <summary>Whether the host is a spot (preemptible) instance.</summary>
    public bool Spot { get; set; }

    /// <summary><c>qemu</c> or <c>xen</c>.</summary>
    public string Hypervisor { get; set; } = "qemu";

    /// <summary>CPUs kept for the host and the agent, not offered to VMs.</summary>
    public int ReservedCpus { get; set; }

    /// <summary>Memory kept for the host and the agent, not offered to VMs.</summary>
    public long ReservedMemoryMib { get; set; } = 256;

    /// <summary>The address the gRPC server listens on.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>The TCP port of the gRPC server (0 picks a free port, for tests).</summary>
    public int Port { get; set; } = 7443;

    /// <summary>PEM file of the cluster CA certificates (a bundle: during a CA rotation it holds the old and the new CA).</summary>
    public string CaCertificatePath { get; set; } = "/etc/supercloud/tls/ca.crt";

    /// <summary>PEM file of this agent's server certificate (identity supercloud://node/NODE, serverAuth).</summary>
    public string CertificatePath { get; set; } = "/etc/supercloud/tls/tls.crt";

    /// <summary>PEM file of the server certificate's private key.</summary>
    public string KeyPath { get; set; } = "/etc/supercloud/tls/tls.key";

    /// <summary>PEM file of this agent's client certificate for the migrations it opens (identity supercloud://node/NODE, clientAuth).</summary>
    public string ClientCertificatePath { get; set; } = "/etc/supercloud/tls/client.crt";

    /// <summary>PEM file of the client certificate's private key.</summary>
    public string ClientKeyPath { get; set; } = "/etc/supercloud/tls/client.key";

    /// <summary>How often the certificate, key and CA files are checked for changes (renewal, CA rotation); zero never.</summary>
    public TimeSpan CertificateReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Obtain the server and client certificates from the operator through CertificateSigningRequests (and renew them)
    /// instead of reading provisioned files; they are kept in <see cref="CertificateDirectory"/>. Needs the Kubernetes API.
    /// </summary>
    public bool RequestCertificates { get; set; }

    /// <summary>Where requested certificates and their keys are kept (0700; survives agent restarts).</summary>
    public string CertificateDirectory { get; set; } = "/var/lib/supercloud/pki";

    /// <summary>The lifetime requested for each certificate (the signer may shorten it).</summary>
    public TimeSpan CertificateLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a certificate request may wait for the signer's answer.</summary>
    public TimeSpan CertificateRequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>With <see cref="RequestCertificates"/>, points the certificate and key paths into <see cref="CertificateDirectory"/>.</summary>
    public void UseRequestedCertificates()
    {
        CertificatePath = Path.Combine(CertificateDirectory, "server.crt");
        KeyPath = Path.Combine(CertificateDirectory, "server.key");
        ClientCertificatePath = Path.Combine(CertificateDirectory, "client.crt");
        ClientKeyPath = Path.Combine(CertificateDirectory, "client.key");
    }

    /// <summary>The deadline applied to a unary call whose client set none (watch streams have none).</summary>
    public TimeSpan DefaultCallDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Returns the problems in these options, each naming its option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Hypervisor is not ("qemu" or "xen"))
        {
            errors.Add($"NodeAgent:Hypervisor must be 'qemu' or 'xen', got '{Hypervisor}'");
        }

        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            errors.Add($"NodeAgent:ListenAddress must be an IP address, got '{ListenAddress}'");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"NodeAgent:Port must be between 0 and 65535, got {Port}");
        }

        if (ReservedCpus < 0 || ReservedMemoryMib < 0)
        {
            errors.Add("NodeAgent:ReservedCpus and NodeAgent:ReservedMemoryMib must not be negative");
        }

        if (RequestCertificates && (string.IsNullOrWhiteSpace(CertificateDirectory) || !Path.IsPathFullyQualified(CertificateDirectory)))
        {
            errors.Add($"NodeAgent:CertificateDirectory must be an absolute path, got '{CertificateDirectory}'");
        }

        if (RequestCertificates && CertificateLifetime < TimeSpan.FromMinutes(10))
        {
            errors.Add($"NodeAgent:CertificateLifetime must be at least 10 minutes (the CertificateSigningRequest minimum), got {CertificateLifetime}");
        }

        if (CertificateReloadInterval < TimeSpan.Zero)
        {
            errors.Add($"NodeAgent:CertificateReloadInterval must not be negative, got {CertificateReloadInterval}");
        }

        if (DefaultCallDeadline <= TimeSpan.Zero)
        {
            errors.Add($"NodeAgent:DefaultCallDeadline must be positive, got {DefaultCallDeadline}");
        }

        return errors;
    }
}
