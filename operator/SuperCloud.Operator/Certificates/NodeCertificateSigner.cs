using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Certificates;

/// <summary>
/// Approves and signs node agents' CertificateSigningRequests (signers <see cref="ServerSigner"/> and
/// <see cref="ClientSigner"/>), as kubelet TLS bootstrap does for kubelets: a request made by the node agents'
/// ServiceAccount with a token bound to node N gets a certificate for the identity supercloud://node/N — the identity
/// comes from the requester's token, never from what the request asks for — and anything else is denied with the
/// reason. Issued certificates are short-lived; agents renew them before they expire.
/// </summary>
public sealed partial class NodeCertificateSigner(
    Informer<V1CertificateSigningRequest> requests, ResourceClient<V1CertificateSigningRequest> client, NodeCertificateSignerOptions options,
    EventRecorder events, TimeProvider timeProvider, ILogger<NodeCertificateSigner> logger) : IReconciler
{
    /// <summary>The signer of agents' server certificates.</summary>
    public const string ServerSigner = "supercloud.dev/node-agent-server";

    /// <summary>The signer of agents' client certificates.</summary>
    public const string ClientSigner = "supercloud.dev/node-agent-client";

    private const string NodeNameExtra = "authentication.kubernetes.io/node-name";

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var csr = requests.Cache.Get(key);
        if (csr?.Spec.SignerName is not (ServerSigner or ClientSigner) || csr.Status?.Certificate is { Length: > 0 }
            || csr.Status?.Conditions?.Any(c => c.Type is "Denied" or "Failed") == true)
        {
            return ReconcileResult.Done;
        }

        var verdict = Judge(csr, options.NodeAgentUser);
        if (verdict.Node is null)
        {
            LogDenied(csr.Metadata.Name, verdict.Message);
            csr.Status ??= new V1CertificateSigningRequestStatus();
            csr.Status.Conditions = [Condition("Denied", "NotANodeAgentRequest", verdict.Message)];
            await client.ReplaceAsync(csr, "approval", cancellationToken);
            await events.WarningAsync(csr, "CertificateDenied", verdict.Message, cancellationToken);
            return ReconcileResult.Done;
        }

        if (csr.Status?.Conditions?.Any(c => c.Type == "Approved") != true)
        {
            csr.Status ??= new V1CertificateSigningRequestStatus();
            csr.Status.Conditions = [.. csr.Status.Conditions ?? [], Condition("Approved", "NodeAgentIdentity", verdict.Message)];
            csr = await client.ReplaceAsync(csr, "approval", cancellationToken);
        }

        var usage = csr.Spec.SignerName == ServerSigner ? CertificateUsage.Server : CertificateUsage.Client;
        var requested = csr.Spec.ExpirationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.DefaultLifetime;
        var lifetime = requested < options.MaxLifetime ? requested : options.MaxLifetime;
        using var certificate = options.Ca.Sign(Encoding.UTF8.GetString(csr.Spec.Request), PeerIdentity.Node(verdict.Node), usage, [verdict.Node], [], lifetime);
        csr.Status!.Certificate = Encoding.UTF8.GetBytes(certificate.ExportCertificatePem() + "\n");
        await client.ReplaceAsync(csr, "status", cancellationToken);
        LogIssued(csr.Metadata.Name, verdict.Node, usage, certificate.NotAfter);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// Who a request is for: node N when it was made by <paramref name="nodeAgentUser"/> with a token bound to N, asks for
    /// N's name (if it names any), a usable key and the usages of its signer; otherwise null and why.
    /// </summary>
    public static (string? Node, string Message) Judge(V1CertificateSigningRequest csr, string nodeAgentUser)
    {
        ArgumentNullException.ThrowIfNull(csr);
        var spec = csr.Spec;
        if (spec.Username != nodeAgentUser)
        {
            return (null, $"requested by {spec.Username}, not by the node agents' service account {nodeAgentUser}");
        }

        var nodes = spec.Extra is not null && spec.Extra.TryGetValue(NodeNameExtra, out var values) ? values.ToList() : [];
        if (nodes is not [{ Length: > 0 } node])
        {
            return (null, "the requester's token is not bound to a node (authentication.kubernetes.io/node-name), so it names no node to certify");
        }

        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(Encoding.UTF8.GetString(spec.Request), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            return (null, $"spec.request is not a signed PKCS#10 request: {e.Message}");
        }

        var commonName = request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.3").Select(rdn => rdn.GetSingleElementValue()).FirstOrDefault();
        if (commonName is not null && commonName != node)
        {
            return (null, $"the request asks for CN={commonName}, but its requester is node {node}'s agent");
        }

        if (!AcceptableKey(request.PublicKey))
        {
            return (null, "the request's key must be ECDSA P-256/P-384 or RSA of at least 2048 bits");
        }

        var usages = spec.Usages ?? [];
        var required = spec.SignerName == ServerSigner ? "server auth" : "client auth";
        if (!usages.Contains(required) || usages.Except(["digital signature", "key encipherment", required]).Any())
        {
            return (null, $"signer {spec.SignerName} issues [digital signature, key encipherment, {required}] only; the request asks for [{string.Join(", ", usages)}]");
        }

        return (node, $"a {required[..6]} certificate for node {node}'s agent, the node its requester's token is bound to");
    }

    private static bool AcceptableKey(PublicKey key)
    {
        using var ecdsa = key.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            return ecdsa.KeySize is 256 or 384;
        }

        using var rsa = key.GetRSAPublicKey();
        return rsa is not null && rsa.KeySize >= 2048;
    }

    private V1CertificateSigningRequestCondition Condition(string type, string reason, string message)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new V1CertificateSigningRequestCondition { Type = type, Status = "True", Reason = reason, Message = message, LastUpdateTime = now, LastTransitionTime = now };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Denied CertificateSigningRequest {Name}: {Reason}")]
    private partial void LogDenied(string name, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued CertificateSigningRequest {Name}: {Usage} certificate for node {Node}, valid until {NotAfter:u}")]
    private partial void LogIssued(string name, string node, CertificateUsage usage, DateTime notAfter);
}
