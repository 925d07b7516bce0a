using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Operator.Certificates;

/// <summary>The operator as the signer of node agents' certificates: its CA and whose requests it honours.</summary>
public sealed record NodeCertificateSignerOptions
{
    /// <summary>The cluster CA with its private key (mounted from a Secret only the operator can read).</summary>
    public required CertificateAuthority Ca { get; init; }

    /// <summary>The only requester whose CSRs are signed: the node agents' ServiceAccount, with a token bound to the node.</summary>
    public string NodeAgentUser { get; init; } = "system:serviceaccount:supercloud-system:supercloud-node-agent";

    /// <summary>The longest certificate lifetime issued, whatever a request asks for.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The lifetime issued when a request asks for none.</summary>
    public TimeSpan DefaultLifetime { get; init; } = TimeSpan.FromDays(7);
}
