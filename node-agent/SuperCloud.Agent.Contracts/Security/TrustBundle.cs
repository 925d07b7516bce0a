using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Agent.Contracts.Security;

/// <summary>
/// The CAs whose certificates a SuperCloud component accepts, from a PEM bundle of one or more CA certificates: during a
/// CA rotation the bundle holds the old and the new CA, so certificates of either are accepted until the old one is
/// dropped. A presented certificate must chain to one of them (and nothing else), carry the usage it is presented for
/// and exactly one SuperCloud identity.
/// </summary>
public sealed class TrustBundle : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly X509Certificate2Collection _authorities;

    /// <summary>A bundle of <paramref name="authorities"/>.</summary>
    public TrustBundle(IEnumerable<X509Certificate2> authorities)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        _authorities = [.. authorities];
        if (_authorities.Count == 0)
        {
            throw new ArgumentException("a trust bundle needs at least one CA certificate", nameof(authorities));
        }
    }

    /// <summary>The CA certificates.</summary>
    public IReadOnlyList<X509Certificate2> Authorities => [.. _authorities];

    /// <summary>Reads every certificate of a PEM file.</summary>
    public static TrustBundle FromPemFile(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count == 0
            ? throw new InvalidDataException($"{path} holds no PEM certificate")
            : new TrustBundle(authorities);
    }

    /// <summary>
    /// The identity of <paramref name="certificate"/> when it is valid at <paramref name="now"/>, chains to a CA of this
    /// bundle and allows <paramref name="usage"/>; otherwise null and the reason.
    /// </summary>
    public (PeerIdentity? Identity, string? Error) Verify(X509Certificate2? certificate, CertificateUsage usage, DateTimeOffset now)
    {
        var role = usage == CertificateUsage.Server ? "server" : "client";
        if (certificate is null)
        {
            return (null, $"no {role} certificate was presented");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(usage == CertificateUsage.Server ? ServerAuth : ClientAuth);
        if (!chain.Build(certificate))
        {
            var reasons = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return (null, $"{role} certificate '{certificate.Subject}' is not valid for this cluster ({reasons})");
        }

        // CustomRootTrust accepts a chain to any root it can build; insist on one of ours.
        var root = chain.ChainElements[^1].Certificate;
        if (!_authorities.Any(ca => ca.RawDataMemory.Span.SequenceEqual(root.RawDataMemory.Span)))
        {
            return (null, $"{role} certificate '{certificate.Subject}' is not issued by a cluster CA");
        }

        return PeerIdentity.FromCertificate(certificate) is { } identity
            ? (identity, null)
            : (null, $"{role} certificate '{certificate.Subject}' carries no SuperCloud identity (a single {PeerIdentity.Scheme}:// subject alternative name)");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var authority in _authorities)
        {
            authority.Dispose();
        }
    }
}
