namespace SuperCloud.Agent.Contracts.Security;

/// <summary>What a certificate is presented for: each identity has a server certificate and a separate client certificate.</summary>
public enum CertificateUsage
{
    /// <summary>A TLS server (an agent's gRPC and migration port): extended key usage serverAuth.</summary>
    Server,

    /// <summary>A TLS client (the operator calling an agent, an agent opening a migration): extended key usage clientAuth.</summary>
    Client,
}
