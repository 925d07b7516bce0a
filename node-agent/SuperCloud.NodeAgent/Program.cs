using System.Net;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Images;
using SuperCloud.NativeShim;
using SuperCloud.NodeAgent;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;
using SuperCloud.NodeAgent.Hypervisor.Xen;
using SuperCloud.NodeAgent.Migration;
using SuperCloud.NodeAgent.Interruption;
using SuperCloud.NodeAgent.Network;
using SuperCloud.NodeAgent.Registration;
using SuperCloud.NodeAgent.Security;

// supercloud-node-agent [--NodeAgent:Port=7443 ...]      run the agent (config: appsettings.json, SUPERCLOUD_ env, args)
// supercloud-node-agent certs OUT_DIR AGENT[=IP,...]...  write a cluster CA (ca.crt, ca.key), the operator's client
//                                                         certificate and each agent's server certificate (AGENT.crt,
//                                                         valid for the IPs it is reached at) and client certificate
//                                                         (AGENT-client.crt); keys 0600 in a 0700 directory
if (args.Length > 0 && args[0] == "certs")
{
    if (args.Length < 2)
    {
        await Console.Error.WriteLineAsync("usage: supercloud-node-agent certs OUT_DIR [AGENT_NAME[=IP,...]...]");
        return 2;
    }

    var agents = new List<(string Name, IPAddress[] Addresses)>();
    foreach (var arg in args.Skip(2))
    {
        var (name, ips) = arg.Split('=', 2) is [var n, var list] ? (n, list.Split(',')) : (arg, []);
        var addresses = new List<IPAddress> { IPAddress.Loopback };
        foreach (var ip in ips)
        {
            if (!IPAddress.TryParse(ip, out var address))
            {
                await Console.Error.WriteLineAsync($"certs: \"{arg}\": \"{ip}\" is not an IP address");
                return 2;
            }

            addresses.Add(address);
        }

        agents.Add((name, [.. addresses]));
    }

    var validity = TimeSpan.FromDays(365);
    using var ca = CertificateAuthority.Create("supercloud-cluster-ca", validity, TimeProvider.System);
    CertificateAuthority.WritePem(ca.Certificate, args[1], "ca");
    using (var operatorCert = ca.IssueClient(PeerIdentity.Operator, validity))
    {
        CertificateAuthority.WritePem(operatorCert, args[1], "supercloud-operator");
    }

    foreach (var (agent, addresses) in agents)
    {
        using var server = ca.IssueServer(agent, [agent, "localhost"], addresses, validity);
        CertificateAuthority.WritePem(server, args[1], agent);
        using var client = ca.IssueClient(PeerIdentity.Node(agent), validity);
        CertificateAuthority.WritePem(client, args[1], agent + "-client");
    }

    Console.WriteLine($"certificates written to {args[1]}");
    return 0;
}

var configuration = new ConfigurationBuilder()
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables("SUPERCLOUD_")
    .AddCommandLine(args)
    .Build();
var options = configuration.GetSection("NodeAgent").Get<NodeAgentOptions>() ?? new NodeAgentOptions();
var optionErrors = options.Validate();
if (optionErrors.Count > 0)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", optionErrors));
    return 2;
}

var qemuOptions = configuration.GetSection("Qemu").Get<QemuDriverOptions>() ?? new QemuDriverOptions();
var imageOptions = configuration.GetSection("Images").Get<ImageCacheOptions>() ?? new ImageCacheOptions();
if (imageOptions.Validate("Images") is { Count: > 0 } imageErrors)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", imageErrors));
    return 2;
}

var migrationOptions = configuration.GetSection("Migration").Get<MigrationOptions>() ?? new MigrationOptions();
if (migrationOptions.Validate() is { Count: > 0 } migrationErrors)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", migrationErrors));
    return 2;
}
var networkOptions = configuration.GetSection("Network").Get<NetworkOptions>() ?? new NetworkOptions();
if (networkOptions.Validate() is { Count: > 0 } networkErrors)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", networkErrors));
    return 2;
}

var registrationOptions = configuration.GetSection(NodeRegistrationOptions.SectionName).Get<NodeRegistrationOptions>() ?? new NodeRegistrationOptions();
if (options.Hypervisor == "qemu" && registrationOptions.Accelerator.Length == 0)
{
    registrationOptions.Accelerator = qemuOptions.Accelerator;
}

// Registration is on when a Kubernetes API is reachable: a kubeconfig given, or running in a pod.
k8s.KubernetesClientConfiguration? kubernetes;
try
{
    kubernetes = NodeRegistrationSetup.ClientConfiguration(registrationOptions);
}
catch (Exception e) when (e is IOException or k8s.Exceptions.KubeConfigException)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + e.Message);
    return 2;
}

if (networkOptions.Enabled && networkOptions.Underlay is { } underlay && registrationOptions.UnderlayIp.Length > 0
    && registrationOptions.UnderlayIp != SuperCloud.Crds.Networking.Ipv4Prefix.FormatAddress(underlay.Address))
{
    await Console.Error.WriteLineAsync(
        $"invalid configuration: Kubernetes:UnderlayIp ({registrationOptions.UnderlayIp}) must be the tunnel endpoint of Network:UnderlayAddress ({networkOptions.UnderlayAddress})");
    return 2;
}

var metadataOptions = configuration.GetSection(InstanceMetadataOptions.SectionName).Get<InstanceMetadataOptions>() ?? new InstanceMetadataOptions();
if (metadataOptions.Enabled && (metadataOptions.Validate() is { Count: > 0 } metadataErrors
    ? metadataErrors
    : kubernetes is null ? ["InstanceMetadata:Enabled needs the Kubernetes API to record notices (Kubernetes:Kubeconfig, or running in a pod)"] : []) is { Count: > 0 } interruptionErrors)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", interruptionErrors));
    return 2;
}

if (kubernetes is not null && registrationOptions.Validate(options) is { Count: > 0 } registrationErrors)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", registrationErrors));
    return 2;
}

// One line per event with a UTC timestamp (ms): a migration's switch-over is read across two hosts' logs.
static void ConsoleFormat(Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions c)
{
    c.SingleLine = true;
    c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    c.UseUtcTimestamp = true;
}

using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(ConsoleFormat));

// Migrations and Xen passthrough go through the native shim: a missing or mismatched library is an installation
// error, reported at start rather than at the first migration.
try
{
    ShimLibrary.EnsureCompatible();
    var startupLog = loggerFactory.CreateLogger("NodeAgent");
    if (startupLog.IsEnabled(LogLevel.Information))
    {
        startupLog.LogInformation("Native shim ABI {AbiVersion} loaded from {Path}", ShimLibrary.AbiVersion, ShimLibrary.LoadedPath);
    }
}
catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
{
    await Console.Error.WriteLineAsync("native shim unavailable: " + e.Message);
    return 1;
}
using var registry = new RegistryClient(imageOptions.Registry, TimeProvider.System);
using var images = new ImageCache(imageOptions, registry, TimeProvider.System, loggerFactory.CreateLogger<ImageCache>());
IHypervisorDriver driver = options.Hypervisor == "xen"
    ? new XenDriver(configuration.GetSection("Xen").Get<XenDriverOptions>() ?? new XenDriverOptions(), images, TimeProvider.System)
    : await QemuDriver.OpenAsync(qemuOptions, images, TimeProvider.System, loggerFactory.CreateLogger<QemuDriver>(), CancellationToken.None);

var info = await driver.GetInfoAsync(CancellationToken.None);
if (!info.Available)
{
    // The agent still serves (host facts and health say why) so the operator sees the problem instead of a crash loop.
    loggerFactory.CreateLogger("NodeAgent").LogError("Hypervisor {Hypervisor} unavailable: {Detail}", info.Name, info.Detail);
}

if (options.RequestCertificates)
{
    if (kubernetes is null)
    {
        await Console.Error.WriteLineAsync("invalid configuration: NodeAgent:RequestCertificates needs the Kubernetes API (Kubernetes:Kubeconfig, or running in a pod)");
        return 2;
    }

    options.UseRequestedCertificates();
    using var bootstrapClient = new k8s.Kubernetes(kubernetes);
    try
    {
        await new CertificateRequester(bootstrapClient, options, TimeProvider.System, loggerFactory.CreateLogger<CertificateRequester>()).EnsureAsync(CancellationToken.None);
    }
    catch (Exception e) when (e is CertificateRequestException or k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
    {
        await Console.Error.WriteLineAsync($"the agent's certificates could not be obtained: {e.Message}");
        return 1;
    }
}

AgentCredentials credentials;
try
{
    var tlsLog = loggerFactory.CreateLogger("NodeAgent.Tls");
    void ReloadFailed(Exception e) => tlsLog.LogWarning("Keeping the current certificates: the changed files cannot be used: {Error}", e.Message);
    credentials = new AgentCredentials(
        TlsCredentials.FromFiles(options.CertificatePath, options.KeyPath, options.CaCertificatePath, options.CertificateReloadInterval, TimeProvider.System, ReloadFailed),
        TlsCredentials.FromFiles(options.ClientCertificatePath, options.ClientKeyPath, options.CaCertificatePath, options.CertificateReloadInterval, TimeProvider.System, ReloadFailed));
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidDataException)
{
    await Console.Error.WriteLineAsync($"invalid configuration: the agent's certificates cannot be read: {e.Message}");
    return 2;
}

using var agentCredentials = credentials;
if (credentials.Validate(options.NodeName, DateTimeOffset.UtcNow) is { Count: > 0 } credentialErrors)
{
    await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", credentialErrors));
    return 2;
}

if (kubernetes is null)
{
    loggerFactory.CreateLogger("NodeAgent").LogInformation("No kubeconfig and not in a cluster: SuperNode registration is off");
}

if (migrationOptions.CorruptOutgoingStreamByteAt >= 0)
{
    loggerFactory.CreateLogger("NodeAgent").LogWarning(
        "Fault injection on: byte {Offset} of every outgoing migration stream is corrupted (Migration:CorruptOutgoingStreamByteAt)",
        migrationOptions.CorruptOutgoingStreamByteAt);
}

var network = new NetworkAgent(networkOptions, options.NodeName, new OvsCommands(networkOptions), TimeProvider.System, loggerFactory.CreateLogger<NetworkAgent>());
var app = AgentServer.Build(options, credentials, driver, images, TimeProvider.System,
    builder =>
    {
        builder.Logging.AddSimpleConsole(ConsoleFormat);
        if (kubernetes is not null)
        {
            builder.Services.AddNodeRegistration(registrationOptions, kubernetes);
            if (metadataOptions.Enabled)
            {
                builder.Services.AddInterruptionPoller(metadataOptions);
            }

            if (options.RequestCertificates)
            {
                builder.Services.AddSingleton<CertificateRequester>();
                builder.Services.AddHostedService<CertificateRenewalService>();
            }
        }
    },
    migrationOptions,
    network);
await app.RunAsync();
return 0;
