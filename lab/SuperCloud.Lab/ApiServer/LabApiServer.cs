using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Lab.ApiServer.Auth;
using SuperCloud.Lab.ApiServer.Storage;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// The lab's Kubernetes-API-compatible server on 127.0.0.1 over plain HTTP: start it, point kubectl, helm or
/// the C# client at <see cref="BaseAddress"/> (or the kubeconfig from <see cref="WriteKubeconfig"/>), dispose it.
/// </summary>
public sealed class LabApiServer : IAsyncDisposable
{
    /// <summary>Name of the cluster, user and context in the kubeconfig the server writes.</summary>
    public const string ContextName = "supercloud-lab";

    private static readonly string[] InitialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly ClusterControllers _controllers;
    private readonly StoreLog? _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _bookmarks;
    private readonly ServiceAccountTokens _tokens;
    private int _disposed;

    private LabApiServer(
        WebApplication app, ObjectStore store, ClusterControllers controllers, StoreLog? log, FaultInjector faults, ServiceAccountTokens tokens,
        LabApiServerOptions options)
    {
        _app = app;
        _store = store;
        _controllers = controllers;
        _log = log;
        _tokens = tokens;
        Faults = faults;
        Tls = options.Tls;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        ListenAddresses = [.. addresses.Select(a => new Uri(a))];
        BaseAddress = ListenAddresses.FirstOrDefault(a => a.Scheme == "http" && a.Host == IPAddress.Loopback.ToString())
            ?? ListenAddresses.First(a => a.Scheme == "http");
        SecureBaseAddress = ListenAddresses.FirstOrDefault(a => a.Scheme == "https" && a.Host == IPAddress.Loopback.ToString());
        _bookmarks = Task.Run(() => SendBookmarksAsync(options, _stop.Token));
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:6443/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>
    /// Every address the server listens on: <see cref="BaseAddress"/> and one per <see cref="LabApiServerOptions.AdditionalAddresses"/>,
    /// for plain HTTP and (with <see cref="LabApiServerOptions.Tls"/>) HTTPS.
    /// </summary>
    public IReadOnlyList<Uri> ListenAddresses { get; }

    /// <summary>The TLS listener on 127.0.0.1, e.g. <c>https://127.0.0.1:6444/</c>; null without <see cref="LabApiServerOptions.Tls"/>.</summary>
    public Uri? SecureBaseAddress { get; }

    /// <summary>The TLS settings, when the server has a TLS listener.</summary>
    public LabApiServerTls? Tls { get; }

    /// <summary>Fault injection for tests.</summary>
    public FaultInjector Faults { get; }

    /// <summary>The requests handled so far (method, path, user agent, status, start and end), for tests to assert who wrote when.</summary>
    public RequestLog Requests { get; private init; } = null!;

    /// <summary>The current cluster-wide resourceVersion.</summary>
    public long ResourceVersion => _store.ResourceVersion;

    /// <summary>How many checkpoints the store log wrote since the start (0 without a data directory).</summary>
    internal int StoreCheckpoints => _log?.Checkpoints ?? 0;

    /// <summary>How many watches are open right now.</summary>
    internal int OpenWatches => _store.WatcherCount;

    /// <summary>Starts a server: loads the store log from <see cref="LabApiServerOptions.DataDir"/> if any and listens.</summary>
    public static async Task<LabApiServer> StartAsync(LabApiServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<LabApiServer>();
        var store = new ObjectStore(options.WatchHistory, options.WatcherQueueCapacity);
        var registry = new ResourceRegistry();
        var operations = new ResourceOperations(store, registry, options.Time);
        StoreLog? log = null;
        if (options.DataDir is not null)
        {
            Directory.CreateDirectory(options.DataDir);
            log = StoreLog.Open(options.DataDir, store, options.StoreCompactionBytes, options.Time, logger);
            operations.LoadCustomResources();
        }

        foreach (var ns in InitialNamespaces)
        {
            if (store.Peek(ResourceOperations.NamespaceResource, null, ns) is null)
            {
                operations.Create(ResourceOperations.NamespaceResource, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, WriteOptions.Controller);
            }
        }

        foreach (var (plural, obj) in BootstrapPolicy.Objects())
        {
            var resource = BuiltInResources.All.Single(r => r.Group == "rbac.authorization.k8s.io" && r.Plural == plural);
            if (store.Peek(resource, null, Json.Name(obj)) is null)
            {
                operations.Create(resource, null, obj, WriteOptions.Controller);
            }
        }

        var tokens = new ServiceAccountTokens(SigningKey(options.DataDir), options.Time);
        var staticTokens = new Dictionary<string, UserInfo>(StringComparer.Ordinal) { [ContextName] = UserInfo.Admin };
        var security = new RequestSecurity(
            new Authenticator(store, tokens, staticTokens, options.Tls?.ClientAuthorities, options.Time), new RbacAuthorizer(store));
        var faults = new FaultInjector(store.CloseAllWatches, store.CompactHistory);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            foreach (var address in options.AdditionalAddresses)
            {
                kestrel.Listen(address, options.Port);
            }

            if (options.Tls is { } tls)
            {
                foreach (var address in options.AdditionalAddresses.Prepend(IPAddress.Loopback))
                {
                    kestrel.Listen(address, options.SecurePort, listen => listen.UseHttps(https =>
                    {
                        https.ServerCertificate = tls.ServerCertificate;
                        // Client certificates are optional and judged by the authenticator, which answers 401 itself.
                        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                        https.ClientCertificateValidation = static (_, _, _) => true;
                    }));
                }
            }

            kestrel.Limits.MaxRequestBodySize = ApiHandler.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        var handler = new ApiHandler(operations, faults, security, tokens, options.Time, logger, new AggregatedApis(store, options.FrontProxyClientCertificate));
        var requests = new RequestLog(options.Time);
        app.Use(requests.RecordAsync);
        app.Run(handler.HandleAsync);
        var rootCa = options.Tls is { } published ? published.ServerCa.ExportCertificatePem() + "\n" : null;
        var controllers = new ClusterControllers(operations, options.Time, logger, rootCa);
        await app.StartAsync(cancellationToken);
        var server = new LabApiServer(app, store, controllers, log, faults, tokens, options) { Requests = requests };
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("API server listening on {Address}", server.BaseAddress);
        }
        return server;
    }

    /// <summary>
    /// The kubeconfig (YAML) whose cluster, user and context are all named <see cref="ContextName"/>, pointing at
    /// <paramref name="server"/> (one of <see cref="ListenAddresses"/>), <see cref="BaseAddress"/> by default.
    /// </summary>
    public string Kubeconfig(string? defaultNamespace = null, Uri? server = null) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {ContextName}
              cluster:
                server: {(server ?? BaseAddress).GetLeftPart(UriPartial.Authority)}
            users:
            - name: {ContextName}
              user:
                token: {ContextName}
            contexts:
            - name: {ContextName}
              context:
                cluster: {ContextName}
                user: {ContextName}
                namespace: {defaultNamespace ?? "default"}
            current-context: {ContextName}
            preferences: {"{}"}

            """);

    /// <summary>Writes <see cref="Kubeconfig"/> to <paramref name="path"/> (creating its directory).</summary>
    public void WriteKubeconfig(string path, string? defaultNamespace = null, Uri? server = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, Kubeconfig(defaultNamespace, server));
    }

    /// <summary>
    /// A kubeconfig for another identity: <paramref name="server"/> (one of <see cref="ListenAddresses"/>; an https one
    /// carries the serving CA), with a bearer <paramref name="token"/> or a <paramref name="clientCertificate"/> (with its key).
    /// </summary>
    public string KubeconfigFor(Uri server, string? token = null, X509Certificate2? clientCertificate = null, string? defaultNamespace = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var cluster = new List<string> { "    server: " + server.GetLeftPart(UriPartial.Authority) };
        if (server.Scheme == "https" && Tls is { } tls)
        {
            cluster.Add("    certificate-authority-data: " + Base64Pem(tls.ServerCa.ExportCertificatePem()));
        }

        var user = new List<string>();
        if (token is not null)
        {
            user.Add("    token: " + token);
        }

        if (clientCertificate is not null)
        {
            using var key = clientCertificate.GetECDsaPrivateKey() ?? throw new ArgumentException("the client certificate has no ECDSA private key", nameof(clientCertificate));
            user.Add("    client-certificate-data: " + Base64Pem(clientCertificate.ExportCertificatePem()));
            user.Add("    client-key-data: " + Base64Pem(key.ExportPkcs8PrivateKeyPem()));
        }

        string[] lines =
        [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: " + ContextName,
            "  cluster:",
            .. cluster,
            "users:",
            "- name: " + ContextName,
            user.Count == 0 ? "  user: {}" : "  user:",
            .. user,
            "contexts:",
            "- name: " + ContextName,
            "  context:",
            "    cluster: " + ContextName,
            "    user: " + ContextName,
            "    namespace: " + (defaultNamespace ?? "default"),
            "current-context: " + ContextName,
            "preferences: {}",
        ];
        return string.Join('\n', lines) + "\n";
    }

    private static string Base64Pem(string pem) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem + "\n"));

    // ServiceAccount tokens must survive a restart of a server that keeps its objects, so its signing key is kept with them.
    private static ECDsa SigningKey(string? dataDir)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (dataDir is null)
        {
            return key;
        }

        var path = Path.Combine(dataDir, "service-account.key");
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }

        SuperCloud.Agent.Contracts.Security.PrivateFile.Write(path, key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    private async Task SendBookmarksAsync(LabApiServerOptions options, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.BookmarkInterval, options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _store.EmitBookmarks();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Stops listening, ends watches, stops the controllers and closes the store log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await _bookmarks;
        _store.CloseAllWatches();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
        await _controllers.DisposeAsync();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }

        _stop.Dispose();
    }
}
