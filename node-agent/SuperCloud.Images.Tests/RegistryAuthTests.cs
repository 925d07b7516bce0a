using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using SuperCloud.Lab.Registry;

namespace SuperCloud.Images.Tests;

/// <summary>What real registries demand: HTTPS with a private CA, and the distribution token flow with credentials.</summary>
public sealed class RegistryAuthTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("registry-auth-").FullName;
    private readonly TestFiles _files = new();

    [SkippableFact]
    public async Task Https_registry_is_trusted_through_the_configured_CA_bundle_and_refused_without_it()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var ca = CreateCa("registry-test-ca");
        var (certPath, keyPath) = WriteServerCertificate(ca, "127.0.0.1");
        var caPath = Path.Combine(_dir, "ca.pem");
        await File.WriteAllTextAsync(caPath, ca.ExportCertificatePem());
        await using var server = await RegistryServer.StartAsync(Path.Combine(_dir, "tls-registry"), new RegistryTls(certPath, keyPath));

        using var trusting = new RegistryClient(new RegistryOptions { CaBundlePath = caPath }, TimeProvider.System);
        var digest = await new VmImagePublisher(trusting).PublishAsync(server.Address, "tests/tls", "v1", new VmImageFiles(_files.Random("k", 2000), null, null, null), CancellationToken.None);
        (await trusting.ResolveAsync(ImageReference.Parse($"{server.Address}/tests/tls:v1"), "amd64", CancellationToken.None)).Digest.Should().Be(digest.ToString());

        using var untrusting = new RegistryClient(new RegistryOptions(), TimeProvider.System);
        var refused = () => untrusting.ResolveAsync(ImageReference.Parse($"{server.Address}/tests/tls:v1"), "amd64", CancellationToken.None);
        (await refused.Should().ThrowAsync<RegistryException>()).Which.Should().Match<RegistryException>(e =>
            e.Kind == RegistryErrorKind.Unreachable && e.Message.Contains("TLS", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Token_flow_gets_a_bearer_token_for_the_credentials_and_refuses_without_them()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var signer = CreateCa("registry-token-signer");
        var bundle = Path.Combine(_dir, "token-signer.pem");
        await File.WriteAllTextAsync(bundle, signer.ExportCertificatePem());
        using var tokens = new TokenServer(signer, "supercloud-test-issuer", "supercloud-test-registry", new RegistryCredentials("alice", "s3cret"));
        await using var server = await RegistryServer.StartAsync(Path.Combine(_dir, "token-registry"), token: new RegistryTokenAuth(tokens.Realm, "supercloud-test-registry", "supercloud-test-issuer", bundle));

        var withCredentials = new RegistryOptions { PlainHttp = [server.Address] };
        withCredentials.Credentials[server.Address] = new RegistryCredentials("alice", "s3cret");
        using var alice = new RegistryClient(withCredentials, TimeProvider.System);
        var digest = await new VmImagePublisher(alice).PublishAsync(server.Address, "tests/token", "v1", new VmImageFiles(_files.Random("k", 3000), null, null, null), CancellationToken.None);
        (await alice.ResolveAsync(ImageReference.Parse($"{server.Address}/tests/token:v1"), "amd64", CancellationToken.None)).Digest.Should().Be(digest.ToString());
        tokens.Issued.Should().BeGreaterThan(0);

        using var anonymous = new RegistryClient(new RegistryOptions { PlainHttp = [server.Address] }, TimeProvider.System);
        var refused = () => anonymous.ResolveAsync(ImageReference.Parse($"{server.Address}/tests/token:v1"), "amd64", CancellationToken.None);
        (await refused.Should().ThrowAsync<RegistryException>()).Which.Kind.Should().Be(RegistryErrorKind.Unauthorized);

        var wrong = new RegistryOptions { PlainHttp = [server.Address] };
        wrong.Credentials[server.Address] = new RegistryCredentials("alice", "guess");
        using var mallory = new RegistryClient(wrong, TimeProvider.System);
        var denied = () => mallory.ResolveAsync(ImageReference.Parse($"{server.Address}/tests/token:v1"), "amd64", CancellationToken.None);
        (await denied.Should().ThrowAsync<RegistryException>()).Which.Should().Match<RegistryException>(e =>
            e.Kind == RegistryErrorKind.Unauthorized && !e.Message.Contains("guess", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _files.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private (string Certificate, string Key) WriteServerCertificate(X509Certificate2 ca, string ip)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={ip}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse(ip));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        var (certPath, keyPath) = (Path.Combine(_dir, "server.crt"), Path.Combine(_dir, "server.key"));
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    /// <summary>A token service of the distribution token flow: ES256 JWTs carrying the signer's certificate (x5c).</summary>
    private sealed class TokenServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly X509Certificate2 _signer;
        private readonly string _issuer;
        private readonly string _service;
        private readonly RegistryCredentials _user;
        private int _issued;

        public TokenServer(X509Certificate2 signer, string issuer, string service, RegistryCredentials user)
        {
            (_signer, _issuer, _service, _user) = (signer, issuer, service, user);
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Realm = $"http://127.0.0.1:{port}/token";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Realm { get; }

        public int Issued => _issued;

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var response = context.Response;
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user.Username}:{_user.Password}"));
                if (context.Request.Headers["Authorization"] != expected)
                {
                    response.StatusCode = 401;
                    continue;
                }

                var scope = context.Request.QueryString["scope"] ?? "";
                var parts = scope.Split(':');
                var access = parts.Length == 3
                    ? new[] { new { type = parts[0], name = parts[1], actions = parts[2].Split(',') } }
                    : [];
                var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { token = Sign(access) }));
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(body);
                Interlocked.Increment(ref _issued);
            }
        }

        private string Sign(object access)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var header = JsonSerializer.SerializeToUtf8Bytes(new { typ = "JWT", alg = "ES256", x5c = new[] { Convert.ToBase64String(_signer.RawData) } });
            var claims = JsonSerializer.SerializeToUtf8Bytes(new
            {
                iss = _issuer, sub = _user.Username, aud = _service, exp = now + 300, nbf = now - 10, iat = now, jti = Guid.NewGuid().ToString("N"), access,
            });
            var signingInput = $"{Base64Url(header)}.{Base64Url(claims)}";
            using var key = _signer.GetECDsaPrivateKey()!;
            var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return $"{signingInput}.{Base64Url(signature)}";
        }

        private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
