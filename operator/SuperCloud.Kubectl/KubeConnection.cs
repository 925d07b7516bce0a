using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace SuperCloud.Kubectl;

/// <summary>
/// The user's connection to the Kubernetes API, from their kubeconfig: the typed client, and the same server, CA and
/// credentials for the requests it has no method for (subresources of aggregated APIs, the console's WebSocket).
/// </summary>
internal sealed class KubeConnection : IDisposable
{
    private readonly KubernetesClientConfiguration _config;
    private readonly X509Certificate2? _clientCertificate;
    private readonly HttpClient _http;

    private KubeConnection(KubernetesClientConfiguration config)
    {
        _config = config;
        Client = new Kubernetes(config);
        _clientCertificate = ClientCertificate(config);

        var handler = new SocketsHttpHandler { SslOptions = TlsOptions() };
        _http = new HttpClient(handler) { BaseAddress = Server, Timeout = TimeSpan.FromSeconds(60) };
        Namespace = string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace;
    }

    /// <summary>The typed client.</summary>
    public IKubernetes Client { get; }

    /// <summary>The API server.</summary>
    public Uri Server => new(_config.Host.TrimEnd('/') + "/");

    /// <summary>The context's namespace, <c>default</c> when it names none.</summary>
    public string Namespace { get; }

    /// <summary>Loads the kubeconfig as kubectl does: <paramref name="path"/>, else KUBECONFIG, else ~/.kube/config.</summary>
    public static KubeConnection Open(string? path, string? context)
    {
        var file = path ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        try
        {
            var config = file is null
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context)
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(file, context);
            return new KubeConnection(config);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or FileNotFoundException or IOException)
        {
            throw new CommandFailedException($"cannot load the kubeconfig{(file is null ? "" : $" {file}")}: {e.Message}");
        }
    }

    /// <summary>Sends a request with the user's credentials.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(Server, path.TrimStart('/')));
        if (await AuthorizationAsync(cancellationToken) is { } authorization)
        {
            request.Headers.Authorization = authorization;
        }

        return await _http.SendAsync(request, cancellationToken);
    }

    /// <summary>Opens a WebSocket to <paramref name="path"/> with the user's credentials and the given subprotocol.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(string path, string subprotocol, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.AddSubProtocol(subprotocol);
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
            if (_clientCertificate is not null)
            {
                socket.Options.ClientCertificates = [_clientCertificate];
            }

            socket.Options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(certificate, errors);
            if (await AuthorizationAsync(cancellationToken) is { } authorization)
            {
                socket.Options.SetRequestHeader("Authorization", authorization.ToString());
            }

            var builder = new UriBuilder(new Uri(Server, path.TrimStart('/'))) { Scheme = Server.Scheme == "https" ? "wss" : "ws" };
            await socket.ConnectAsync(builder.Uri, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _clientCertificate?.Dispose();
        Client.Dispose();
    }

    // client-certificate(-data) and client-key(-data) of the kubeconfig's user, PEM, inline (base64) or in files.
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        var certificate = Pem(config.ClientCertificateData, config.ClientCertificateFilePath);
        var key = Pem(config.ClientCertificateKeyData, config.ClientKeyFilePath);
        return certificate is null || key is null ? null : X509Certificate2.CreateFromPem(certificate, key);
    }

    private static string? Pem(string? data, string? file) =>
        !string.IsNullOrEmpty(data) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data))
        : !string.IsNullOrEmpty(file) ? File.ReadAllText(file)
        : null;

    private SslClientAuthenticationOptions TlsOptions() => new()
    {
        ClientCertificates = _clientCertificate is null ? null : [_clientCertificate],
        RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate, errors),
    };

    // The kubeconfig's CA, as client-go trusts it; the system's roots when it names none.
    private bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_config.SkipTlsVerify)
        {
            return true;
        }

        if (_config.SslCaCerts is not { Count: > 0 } authorities)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private async Task<AuthenticationHeaderValue?> AuthorizationAsync(CancellationToken cancellationToken)
    {
        if (_config.TokenProvider is { } provider)
        {
            return await provider.GetAuthenticationHeaderAsync(cancellationToken);
        }

        if (!string.IsNullOrEmpty(_config.AccessToken))
        {
            return new AuthenticationHeaderValue("Bearer", _config.AccessToken);
        }

        if (!string.IsNullOrEmpty(_config.Username))
        {
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{_config.Username}:{_config.Password}")));
        }

        return null;
    }
}
