using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Agent.Contracts.Security;

/// <summary>
/// A certificate with its key and the trust bundle a component uses for one side of mutual TLS. Read from PEM files
/// (<see cref="FromFiles"/>), they are read again whenever they change — a renewed certificate, a Secret updated by the
/// CSR flow, a CA bundle during rotation: checked every interval, swapped atomically; new TLS handshakes use the new
/// files while established connections keep theirs. Files that cannot be read or do not match (a key written before its
/// certificate) leave the current ones in place.
/// </summary>
public sealed class TlsCredentials : IDisposable
{
    private readonly string? _certificatePath;
    private readonly string? _keyPath;
    private readonly string? _trustPath;
    private readonly Action<Exception>? _onReloadFailure;
    private readonly Func<X509Certificate2>? _issue;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private volatile Snapshot _current;

    private TlsCredentials(Snapshot current) => _current = current;

    private TlsCredentials(string certificatePath, string keyPath, string trustPath, TimeSpan interval, TimeProvider time, Action<Exception>? onReloadFailure)
    {
        _certificatePath = certificatePath;
        _keyPath = keyPath;
        _trustPath = trustPath;
        _onReloadFailure = onReloadFailure;
        _current = Load(Fingerprint());
        if (interval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(_ => TryReload(), null, interval, interval);
        }
    }

    /// <summary>The current certificate, with its private key.</summary>
    public X509Certificate2 Certificate => _current.Certificate;

    /// <summary>The current trust bundle.</summary>
    public TrustBundle Trust => _current.Trust;

    /// <summary>The identity the current certificate carries, if any.</summary>
    public PeerIdentity? Identity => _current.Identity;

    /// <summary>How many times the files were loaded (1 after construction).</summary>
    public int Generation => _current.Generation;

    /// <summary>Loads PEM files now (throwing when they are unusable) and, with a positive interval, re-checks them periodically.</summary>
    public static TlsCredentials FromFiles(string certificatePath, string keyPath, string trustPath, TimeSpan interval, TimeProvider time, Action<Exception>? onReloadFailure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        ArgumentException.ThrowIfNullOrEmpty(trustPath);
        ArgumentNullException.ThrowIfNull(time);
        return new TlsCredentials(certificatePath, keyPath, trustPath, interval, time, onReloadFailure);
    }

    /// <summary>
    /// Credentials whose certificate <paramref name="issue"/> makes anew every <paramref name="renewEvery"/> (a component that
    /// holds the CA key issues its own short-lived certificate), trusting <paramref name="authorities"/>.
    /// </summary>
    public static TlsCredentials SelfRenewing(Func<X509Certificate2> issue, IReadOnlyList<X509Certificate2> authorities, TimeSpan renewEvery, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(renewEvery, TimeSpan.Zero);
        return new TlsCredentials(issue, authorities, renewEvery, time);
    }

    private TlsCredentials(Func<X509Certificate2> issue, IReadOnlyList<X509Certificate2> authorities, TimeSpan renewEvery, TimeProvider time)
    {
        _issue = issue;
        var trust = new TrustBundle(authorities.Select(a => X509CertificateLoader.LoadCertificate(a.RawData)));
        _current = Issued(trust, 1);
        _timer = time.CreateTimer(_ => _current = Issued(_current.Trust, _current.Generation + 1), null, renewEvery, renewEvery);
    }

    /// <summary>Credentials that never change: a certificate with its key and the CAs to trust (tests, benchmarks).</summary>
    public static TlsCredentials FromCertificates(X509Certificate2 certificate, params X509Certificate2[] authorities)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var persisted = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        return new TlsCredentials(new Snapshot(persisted, new TrustBundle(authorities.Select(a => X509CertificateLoader.LoadCertificate(a.RawData))),
            PeerIdentity.FromCertificate(persisted), "", 1));
    }

    /// <summary>Re-reads the files when they changed; returns true when new credentials are in use.</summary>
    public bool TryReload()
    {
        if (_certificatePath is null)
        {
            return false;
        }

        lock (_gate)
        {
            try
            {
                var fingerprint = Fingerprint();
                if (fingerprint == _current.Fingerprint)
                {
                    return false;
                }

                _current = Load(fingerprint) with { Generation = _current.Generation + 1 };
                return true;
            }
            catch (Exception e) when (e is IOException or CryptographicException or InvalidDataException or UnauthorizedAccessException)
            {
                _onReloadFailure?.Invoke(e);
                return false;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();

    private Snapshot Issued(TrustBundle trust, int generation)
    {
        using var fresh = _issue!();
        var persisted = X509CertificateLoader.LoadPkcs12(fresh.Export(X509ContentType.Pkcs12), null);
        return new Snapshot(persisted, trust, PeerIdentity.FromCertificate(persisted), "", generation);
    }

    private string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in new[] { _certificatePath!, _keyPath!, _trustPath! })
        {
            hash.AppendData(File.ReadAllBytes(path));
            hash.AppendData([0]);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private Snapshot Load(string fingerprint)
    {
        using var pem = X509Certificate2.CreateFromPemFile(_certificatePath!, _keyPath);

        // TLS on Linux wants a key that is not ephemeral; a PKCS#12 round trip gives one.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        return new Snapshot(certificate, TrustBundle.FromPemFile(_trustPath!), PeerIdentity.FromCertificate(certificate), fingerprint, 1);
    }

    private sealed record Snapshot(X509Certificate2 Certificate, TrustBundle Trust, PeerIdentity? Identity, string Fingerprint, int Generation);
}
