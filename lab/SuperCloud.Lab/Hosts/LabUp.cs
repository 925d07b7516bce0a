using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Auth;
using SuperCloud.Lab.Spot;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// <c>supercloud-lab up</c>: the network, the API server (in this process), the CRDs, one SuperCluster per cloud, one node
/// agent per host in its namespace and the operator; writes <c>ready</c> once every SuperNode is Ready and the operator
/// serves, then runs until stopped and removes everything it made.
/// </summary>
/// <param name="options">What to run.</param>
/// <param name="loggerFactory">Logs of this process and of the API server.</param>
/// <param name="time">The clock for deadlines and the time-to-ready figure.</param>
public sealed class LabUp(LabUpOptions options, ILoggerFactory loggerFactory, TimeProvider time)
{
    /// <summary>The namespace of the operator's leader-election Lease and the agents' heartbeat Leases.</summary>
    public const string SystemNamespace = "supercloud-system";

    /// <summary>The node agents' ServiceAccount (node-agent/deploy).</summary>
    public const string NodeAgentAccount = "supercloud-node-agent";

    /// <summary>The operator's ServiceAccount (operator/deploy).</summary>
    public const string OperatorAccount = "supercloud-operator";

    /// <summary>The common name of the API server's front-proxy client certificate (the only one aggregated APIs accept).</summary>
    public const string FrontProxyClientName = "front-proxy-client";

    private const string FrontProxyCaName = "front-proxy-ca";
    private const string SubresourceApiCertificateName = "subresource-api";

    // A lab lives for hours at most; its tokens outlive it and die with their Node or ServiceAccount.
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    private readonly ILogger _logger = loggerFactory.CreateLogger("supercloud-lab");
    private readonly LabPaths _paths = new(options.DataDir);

    /// <summary>Builds the lab, runs it until <paramref name="stop"/> fires, and removes it. Throws when the lab cannot be built (after removing what was made).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var commands = new CommandRunner(_logger);
        var store = new LabStateStore(options.DataDir, time);
        var processes = new LabProcesses(commands, time, _logger);
        var teardown = new LabTeardown(store, commands, processes, time, _logger);
        var started = time.GetTimestamp();

        if (store.Read()?.Processes.GetValueOrDefault(LabProcessNames.Up) is { } running && LabProcesses.IsRunning(running))
        {
            throw new LabCommandException($"a lab is already running in {options.DataDir} (supercloud-lab up, pid {running.Pid}); stop it with `supercloud-lab down --data-dir {options.DataDir}`");
        }

        if (Directory.Exists(options.DataDir) && await teardown.DownAsync(options.DataDir, stop))
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                _logger.LogInformation("Removed the stale lab in {DataDir}", options.DataDir);
            }
        }

        // The subnet is checked before anything is made: a bad --subnet changes nothing.
        var id = LabTopology.IdOf(options.DataDir);
        LabSubnet subnet;
        if (options.Subnet is { } given)
        {
            await given.EnsureFreeAsync(commands, stop);
            subnet = given;
        }
        else
        {
            subnet = await LabSubnet.PickFreeAsync(id, commands, stop);
        }

        var createdDataDir = !Directory.Exists(options.DataDir);
        Directory.CreateDirectory(options.DataDir);

        var topology = LabTopology.Create(id, subnet, options.Clouds);
        var self = Environment.ProcessId;
        var initial = new LabState { DataDir = options.DataDir, CreatedDataDir = createdDataDir, Id = id, Clouds = options.CloudsText, Subnet = subnet.ToString() };
        await store.UpdateAsync(
            s => s.Processes[LabProcessNames.Up] = new LabProcess
            {
                Name = LabProcessNames.Up,
                Pid = self,
                StartTime = Posix.Stat(self)!.Value.StartTime,
                Executable = Environment.ProcessPath ?? "supercloud-lab",
                BaseArgs = [.. Environment.GetCommandLineArgs().Skip(1)],
                Args = [.. Environment.GetCommandLineArgs().Skip(1)],
                Log = "",
            },
            stop,
            initial);

        LabApiServer? server = null;
        SpotLabServer? spot = null;
        try
        {
            await new LabNetwork(topology, commands, store, _logger).CreateAsync(stop);
            server = await StartApiServerAsync(store, subnet, stop);
            spot = await LabSpotMarket.StartAsync(topology, options.DataDir, store, commands, processes, loggerFactory, time, stop);
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var api = new LabApiClient(http, time);
            await CreateObjectsAsync(api, topology, spot.Ec2Endpoints, stop);
            var nodes = await CreateNodesAsync(api, topology, stop);
            var guest = options.GuestDirectory ?? await Registry.GuestImages.BuildAsync(stop);
            await new LabRegistries(topology, commands, store, processes, _paths, time, _logger).StartAsync(guest, stop);
            Uri operatorAddress;
            if (options.Chart is { } chart)
            {
                operatorAddress = await InstallChartAsync(chart, api, server, store, topology, commands, processes, stop);
            }
            else
            {
                await CreateIdentitiesAsync(api, server, topology, nodes, stop);
                await WriteClusterCaAsync(store, stop);
                await StartSwitchesAsync(store, topology, commands, processes, stop);
                await StartAgentsAsync(store, topology, processes, new SpotMarketStore(options.DataDir, time).Read()!, stop);
                var subresourcePort = FreeLoopbackPort();
                operatorAddress = await StartOperatorAsync(store, topology, processes, subresourcePort, stop);
                await RegisterSubresourceApiAsync(api, subresourcePort, stop);
            }

            await WaitReadyAsync(api, store, topology, operatorAddress, stop);
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            await store.UpdateAsync(s => s.Files.Add(LabPaths.ReadyName), stop);
            await File.WriteAllTextAsync(
                _paths.Ready,
                string.Create(CultureInfo.InvariantCulture, $"ready after {seconds:F1} s\nkubeconfig {_paths.Kubeconfig}\nsubnet {subnet}\nhosts {string.Join(' ', topology.Hosts.Select(h => $"{h.Name}={h.Ip}"))}\nregistries {string.Join(' ', topology.Clouds.Select(c => $"{c.Name}={LabRegistries.Address(topology, c)}"))}\n"),
                stop);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                _logger.LogInformation(
                    "Lab {Id} ready in {Seconds:F1} s: {Hosts} hosts in {Clouds} clouds; export KUBECONFIG={Kubeconfig}",
                    id, seconds, topology.Hosts.Count, topology.Clouds.Count, _paths.Kubeconfig);
            }
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                _logger.LogInformation("Stopping: removing lab {Id}", id);
            }
        }
        finally
        {
            // Not the stop token: it has fired, and the teardown must run to its end.
            var state = store.Read() ?? initial;
            await teardown.StopProcessesAsync(state, CancellationToken.None);
            if (spot is not null)
            {
                await spot.DisposeAsync();
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }

            await teardown.RemoveNetworkAndFilesAsync(state, CancellationToken.None);
        }
    }

    // The API server's own CA (as a cluster's /etc/kubernetes/pki): a serving certificate for every address it listens on
    // and the administrator's client certificate, in system:masters.
    private async Task<LabApiServer> StartApiServerAsync(LabStateStore store, LabSubnet subnet, CancellationToken cancellationToken)
    {
        var management = IPAddress.Parse(subnet.ManagementIp);
        await store.UpdateAsync(s => s.Files.AddRange([LabPaths.PkiName, LabPaths.KubeconfigName, LabPaths.OperatorKubeconfigName, LabPaths.HostsName]), cancellationToken);
        var validity = TimeSpan.FromDays(365);
        using var ca = CertificateAuthority.Create($"supercloud-lab-{Path.GetFileName(options.DataDir)}-ca", validity, time);
        CertificateAuthority.WritePem(ca.Certificate, _paths.Pki, "ca");
        var serving = ca.IssueServing("supercloud-lab-apiserver", ["localhost", "kubernetes", "kubernetes.default.svc"], [IPAddress.Loopback, management], validity);
        CertificateAuthority.WritePem(serving, _paths.Pki, "apiserver");
        // The aggregation layer's own CA, as kube's front-proxy-ca: aggregated API servers trust its client certificate to
        // name the user in X-Remote-User and X-Remote-Group.
        using var frontProxyCa = CertificateAuthority.Create($"supercloud-lab-{Path.GetFileName(options.DataDir)}-front-proxy-ca", validity, time);
        CertificateAuthority.WritePem(frontProxyCa.Certificate, _paths.Pki, FrontProxyCaName);
        var frontProxy = frontProxyCa.IssueUser(FrontProxyClientName, [], validity);
        var server = await LabApiServer.StartAsync(
            new LabApiServerOptions
            {
                Port = options.Port,
                SecurePort = options.Port == 0 ? 0 : options.Port + 1,
                AdditionalAddresses = [management],
                // The public part only: the CA (and its key) is disposed once the certificates are issued.
                Tls = new LabApiServerTls(serving, X509CertificateLoader.LoadCertificate(ca.Certificate.RawData), [X509CertificateLoader.LoadCertificate(ca.Certificate.RawData)]),
                FrontProxyClientCertificate = frontProxy,
                LoggerFactory = loggerFactory,
            },
            cancellationToken);
        await store.UpdateAsync(s => s.ApiPort = server.BaseAddress.Port, cancellationToken);
        using var admin = ca.IssueUser("lab-admin", [UserInfo.MastersGroup], validity);
        PrivateFile.Write(_paths.Kubeconfig, server.KubeconfigFor(server.SecureBaseAddress!, clientCertificate: admin));
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("API server on {Address} and {SecureAddress}; wrote {Kubeconfig}", server.BaseAddress, server.SecureBaseAddress, _paths.Kubeconfig);
        }

        return server;
    }

    // Every component runs under its own identity, as in a cluster: the operator with its ServiceAccount's token, each
    // agent with the node agents' ServiceAccount token bound to its host's Node (which admission policies read the node
    // name from), under the RBAC and admission policies of node-agent/deploy and operator/deploy.
    private async Task CreateIdentitiesAsync(
        LabApiClient api, LabApiServer server, LabTopology topology, IReadOnlyDictionary<string, string> nodes, CancellationToken cancellationToken)
    {
        foreach (var directory in options.Executables.Deploy)
        {
            await api.ApplyManifestsAsync(directory, cancellationToken);
        }

        var secure = server.ListenAddresses.First(a => a.Scheme == "https" && a.Host == topology.Subnet.ManagementIp);
        foreach (var host in topology.Hosts)
        {
            var token = await api.RequestTokenAsync(SystemNamespace, NodeAgentAccount, ("Node", host.Name, nodes[host.Name]), TokenLifetime, cancellationToken);
            PrivateFile.Write(_paths.HostKubeconfig(host.Name), server.KubeconfigFor(secure, token));
        }

        var operatorToken = await api.RequestTokenAsync(SystemNamespace, OperatorAccount, null, TokenLifetime, cancellationToken);
        PrivateFile.Write(_paths.OperatorKubeconfig, server.KubeconfigFor(server.SecureBaseAddress!, operatorToken));
    }

    // A core Node per host, as the kubelet registers it: tokens are bound to it (they carry its name) and pods are bound to it.
    private static async Task<IReadOnlyDictionary<string, string>> CreateNodesAsync(LabApiClient api, LabTopology topology, CancellationToken cancellationToken)
    {
        var uids = new Dictionary<string, string>(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        foreach (var host in topology.Hosts)
        {
            var node = await api.CreateAsync("/api/v1/nodes", new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = host.Name,
                    ["labels"] = new JsonObject { ["supercloud.dev/lab-host"] = "true", ["kubernetes.io/hostname"] = host.Name },
                },
            }, cancellationToken);
            uids[host.Name] = node["metadata"]!["uid"]!.GetValue<string>();
            await api.ReplaceStatusAsync($"/api/v1/nodes/{host.Name}", new JsonObject
            {
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = host.Ip },
                    new JsonObject { ["type"] = "Hostname", ["address"] = host.Name }),
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = "True",
                    ["reason"] = "LabHostUp",
                    ["message"] = $"lab host namespace {host.Namespace} is up",
                    ["lastHeartbeatTime"] = now,
                    ["lastTransitionTime"] = now,
                }),
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "supercloud-lab",
                    ["containerRuntimeVersion"] = "supercloud-lab://process",
                    ["kernelVersion"] = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch
                    {
                        "x64" => "amd64",
                        var other => other,
                    },
                },
            }, cancellationToken);
        }

        return uids;
    }

    // SuperCloud installed the way a user installs it, with Helm; the lab's kubelet runs the chart's workloads: the operator
    // in the root namespace and one agent pod per host, under the identities, RBAC and admission policy the chart made.
    private async Task<Uri> InstallChartAsync(
        string chart, LabApiClient api, LabApiServer server, LabStateStore store, LabTopology topology, CommandRunner commands, LabProcesses processes,
        CancellationToken cancellationToken)
    {
        using (var ca = CertificateAuthority.Create("supercloud-cluster-ca", TimeSpan.FromDays(365), time))
        {
            using var key = ca.Certificate.GetECDsaPrivateKey()!;
            await api.CreateAsync($"/api/v1/namespaces/{SystemNamespace}/secrets", new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "supercloud-ca" },
                ["type"] = "kubernetes.io/tls",
                ["stringData"] = new JsonObject
                {
                    ["tls.crt"] = ca.Certificate.ExportCertificatePem() + "\n",
                    ["tls.key"] = key.ExportPkcs8PrivateKeyPem() + "\n",
                },
            }, cancellationToken);
        }

        await store.UpdateAsync(s => s.Files.AddRange([LabPaths.PodsName, "helm"]), cancellationToken);
        var metricsPort = FreeLoopbackPort();
        var dashboardPort = FreeLoopbackPort();
        await store.UpdateAsync(s => s.DashboardAddress = $"http://127.0.0.1:{dashboardPort.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
        var lease = options.LeaseDuration;
        var agentEnv = new JsonArray(
            Env("SUPERCLOUD_Kubernetes__LeaseDuration", Config(lease)),
            Env("SUPERCLOUD_Kubernetes__RenewInterval", Config(lease / 4)),
            Env("SUPERCLOUD_Kubernetes__RequestTimeout", Config(TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, (lease / 2).Ticks)))));
        var operatorEnv = new JsonArray(Env("SUPERCLOUD_Operator__LostNodeGracePeriod", Config(options.NodeGracePeriod)));
        var helmHome = Path.Combine(options.DataDir, "helm");
        var install = await commands.TryRunAsync(
            options.Executables.Helm,
            [
                "install", "supercloud", chart, "--namespace", SystemNamespace, "--kubeconfig", _paths.Kubeconfig,
                "--set", $"nodeAgent.cluster={topology.Clouds[0].Name}",
                "--set", $"nodeAgent.cloud={topology.Clouds[0].Spec.Provider}",
                "--set", $"nodeAgent.region={topology.Clouds[0].Spec.Region}",
                "--set", "operator.replicas=1",
                "--set", $"operator.metricsPort={metricsPort.ToString(CultureInfo.InvariantCulture)}",
                "--set", $"operator.dashboard.port={dashboardPort.ToString(CultureInfo.InvariantCulture)}",
                "--set", "nodeAgent.kvm=false",
                // The lab's registries: the cloud's own first, all of them plain HTTP; unqualified images resolve at it.
                "--set", $"operator.images.defaultRegistry={LabRegistries.Address(topology, topology.Clouds[0])}",
                "--set", $"operator.images.plainHttpRegistries={{{string.Join(',', topology.Clouds.Select(c => LabRegistries.Address(topology, c)))}}}",
                "--set", $"nodeAgent.images.mirrors={{{LabRegistries.Address(topology, topology.Clouds[0])}}}",
                "--set", $"nodeAgent.images.plainHttpRegistries={{{string.Join(',', topology.Clouds.Select(c => LabRegistries.Address(topology, c)))}}}",
                "--set-json", $"nodeAgent.extraEnv={agentEnv.ToJsonString()}",
                "--set-json", $"operator.extraEnv={operatorEnv.ToJsonString()}",
                .. options.HelmSettings.SelectMany(setting => new[] { "--set", setting }),
            ],
            cancellationToken,
            new Dictionary<string, string>
            {
                ["HELM_CACHE_HOME"] = Path.Combine(helmHome, "cache"),
                ["HELM_CONFIG_HOME"] = Path.Combine(helmHome, "config"),
                ["HELM_DATA_HOME"] = Path.Combine(helmHome, "data"),
            });
        if (install.ExitCode != 0)
        {
            throw new LabCommandException($"helm install of {chart} failed: {install.Stderr.Trim()}");
        }

        await RecordHostDirectoriesAsync(store, topology, cancellationToken);
        foreach (var host in topology.Hosts)
        {
            Directory.CreateDirectory(_paths.HostRoot(host.Name));
            Directory.CreateSymbolicLink(topology.HostRootAlias(host), _paths.HostRoot(host.Name));
        }

        var kubelet = new LabKubelet(
            api, topology, _paths, options.Executables, processes, store,
            server.ListenAddresses.First(a => a.Scheme == "https" && a.Host == topology.Subnet.ManagementIp), server.SecureBaseAddress!);
        await kubelet.RunDaemonSetAsync(SystemNamespace, "supercloud-node-agent", cancellationToken);
        await kubelet.RunDeploymentAsync(SystemNamespace, "supercloud-operator", cancellationToken);
        return new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}");
    }

    private static JsonObject Env(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private async Task CreateObjectsAsync(LabApiClient api, LabTopology topology, IReadOnlyDictionary<string, Uri> ec2Endpoints, CancellationToken cancellationToken)
    {
        await api.ApplyCrdsAsync(options.Executables.Crds, TimeSpan.FromSeconds(30), cancellationToken);
        await api.CreateAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = SystemNamespace } }, cancellationToken);
        foreach (var cloud in topology.Clouds)
        {
            await api.CreateAsync("/apis/supercloud.dev/v1alpha1/superclusters", SuperClusterManifest.Build(cloud, topology.Clouds, ec2Endpoints.GetValueOrDefault(cloud.Name)), cancellationToken);
        }
    }

    // The cluster CA of the agents' mutual TLS: its key goes to the operator alone, which signs each agent's requests for
    // its server and client certificates (as the chart installs it); the agents get the certificate only.
    private async Task WriteClusterCaAsync(LabStateStore store, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(s => s.Files.Add(LabPaths.CertsName), cancellationToken);
        using var ca = CertificateAuthority.Create("supercloud-cluster-ca", TimeSpan.FromDays(365), time);
        CertificateAuthority.WritePem(ca.Certificate, _paths.Certs, "ca");
        // The operator's aggregated API is reached as its Service, OPERATOR.NAMESPACE.svc, whatever address serves it.
        using var serving = ca.IssueServing(
            OperatorAccount, [$"{OperatorAccount}.{SystemNamespace}.svc", $"{OperatorAccount}.{SystemNamespace}.svc.cluster.local"], [IPAddress.Loopback], TimeSpan.FromDays(365));
        CertificateAuthority.WritePem(serving, _paths.Certs, SubresourceApiCertificateName);
    }

    private async Task StartSwitchesAsync(LabStateStore store, LabTopology topology, CommandRunner commands, LabProcesses processes, CancellationToken cancellationToken)
    {
        await RecordHostDirectoriesAsync(store, topology, cancellationToken);
        await new LabSwitches(topology, _paths, commands, processes, store, time).StartAsync(cancellationToken);
    }

    private static async Task RecordHostDirectoriesAsync(LabStateStore store, LabTopology topology, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(
            s =>
            {
                if (!s.ExternalPaths.Contains(topology.AliasDirectory))
                {
                    s.ExternalPaths.Add(topology.AliasDirectory);
                }
            },
            cancellationToken);
        Directory.CreateDirectory(topology.AliasDirectory);
    }

    private async Task StartAgentsAsync(LabStateStore store, LabTopology topology, LabProcesses processes, SpotMarketState market, CancellationToken cancellationToken)
    {
        await RecordHostDirectoriesAsync(store, topology, cancellationToken);

        // A quarter of the Lease, like kubelet's 10 s of 40 s; one request may take at most half of it.
        var lease = options.LeaseDuration;
        var renew = lease / 4;
        var requestTimeout = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, (lease / 2).Ticks));
        var registries = topology.Clouds.Select(c => LabRegistries.Address(topology, c)).ToList();
        foreach (var host in topology.Hosts)
        {
            Directory.CreateDirectory(_paths.Vms(host.Name));
            var vms = topology.VmAlias(host);
            Directory.CreateSymbolicLink(vms, _paths.Vms(host.Name));
            string[] args =
            [
                $"--NodeAgent:NodeName={host.Name}",
                $"--NodeAgent:ListenAddress={host.Ip}",
                $"--NodeAgent:Port={LabHost.AgentPort.ToString(CultureInfo.InvariantCulture)}",
                $"--NodeAgent:CaCertificatePath={Path.Combine(_paths.Certs, "ca.crt")}",
                "--NodeAgent:RequestCertificates=true",
                $"--NodeAgent:CertificateDirectory={Path.Combine(_paths.Host(host.Name), "pki")}",
                $"--NodeAgent:Cloud={host.Cloud.Spec.Provider}",
                $"--NodeAgent:Region={host.Cloud.Spec.Region}",
                $"--NodeAgent:Spot={(host.Spot ? "true" : "false")}",
                $"--Qemu:StateDirectory={vms}",
                "--Qemu:Accelerator=tcg",

                // QEMU's own word on whether a guest runs, for the tests that check a VM never runs twice.
                "--Qemu:ObserverSocket=true",
                $"--Kubernetes:Kubeconfig={_paths.HostKubeconfig(host.Name)}",
                $"--Kubernetes:Cluster={host.Cloud.Name}",
                $"--Kubernetes:AgentEndpoint={host.AgentEndpoint}",
                $"--Kubernetes:UnderlayIp={host.UnderlayIp}",
                "--Network:Enabled=true",
                $"--Network:OvsRunDirectory={topology.OvsAlias(host)}",
                $"--Network:UnderlayInterface={LabHost.UnderlayInterface}",
                $"--Network:UnderlayAddress={host.UnderlayIp}/24",
                $"--Network:UnderlayRoutes:0={topology.Subnet} via {host.Cloud.Gateway}",
                $"--Network:StateDirectory={_paths.Network(host.Name)}",
                $"--Kubernetes:LeaseNamespace={SystemNamespace}",
                $"--Kubernetes:LeaseDuration={Config(lease)}",
                $"--Kubernetes:RenewInterval={Config(renew)}",
                $"--Kubernetes:RequestTimeout={Config(requestTimeout)}",
                // Images come from the host's own cloud's registry first; every lab registry speaks plain HTTP.
                $"--Images:Directory={_paths.Images(host.Name)}",
                $"--Images:Mirrors:0={LabRegistries.Address(topology, host.Cloud)}",
                .. registries.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"--Images:Registry:PlainHttp:{i}={r}")),

                // An EC2 instance: its provider id, and its metadata polled for spot interruption notices.
                .. LabSpotMarket.HasEc2(host.Cloud)
                    ? [$"--Kubernetes:ProviderId={LabSpotMarket.ProviderId(market, host)}", "--InstanceMetadata:Enabled=true", "--InstanceMetadata:PollInterval=00:00:02"]
                    : Array.Empty<string>(),
            ];
            var process = processes.StartDetached(LabProcessNames.Agent(host.Name), options.Executables.NodeAgent, args, [], host.Namespace, _paths.AgentLog(host.Name));
            await store.UpdateAsync(s => s.Processes[process.Name] = process, cancellationToken);
        }
    }

    private async Task<Uri> StartOperatorAsync(LabStateStore store, LabTopology topology, LabProcesses processes, int subresourcePort, CancellationToken cancellationToken)
    {
        var listen = new Uri($"http://127.0.0.1:{FreeLoopbackPort().ToString(CultureInfo.InvariantCulture)}");
        var dashboard = $"http://127.0.0.1:{FreeLoopbackPort().ToString(CultureInfo.InvariantCulture)}";
        string[] args =
        [
            "--kubeconfig", _paths.OperatorKubeconfig,
            "--listen-address", listen.GetLeftPart(UriPartial.Authority),
            "--dashboard-address", dashboard,

            // Costs that visibly move while one watches the lab.
            "--Operator:Cost:WriteInterval=00:00:05",
            "--leader-election-namespace", SystemNamespace,
            "--signer-ca", Path.Combine(_paths.Certs, "ca.crt"),
            "--signer-key", Path.Combine(_paths.Certs, "ca.key"),
            $"--Operator:LostNodeGracePeriod={Config(options.NodeGracePeriod)}",
            // Unqualified image names (supercloud/test-guest:latest) resolve at the first cloud's registry.
            "--default-registry", LabRegistries.Address(topology, topology.Clouds[0]),
            "--plain-http-registries", string.Join(',', topology.Clouds.Select(c => LabRegistries.Address(topology, c))),
            "--subresource-api-address", $"https://127.0.0.1:{subresourcePort.ToString(CultureInfo.InvariantCulture)}",
            "--tls-cert-file", Path.Combine(_paths.Certs, SubresourceApiCertificateName + ".crt"),
            "--tls-private-key-file", Path.Combine(_paths.Certs, SubresourceApiCertificateName + ".key"),
            "--requestheader-client-ca-file", Path.Combine(_paths.Pki, FrontProxyCaName + ".crt"),
            "--requestheader-allowed-names", FrontProxyClientName,
            "--Operator:PriceFeed:Interval=00:00:03",
        ];
        await store.UpdateAsync(
            s =>
            {
                s.Files.Add(LabPaths.OperatorLogName);
                s.OperatorListenAddress = listen.GetLeftPart(UriPartial.Authority);
                s.DashboardAddress = dashboard;
            },
            cancellationToken);
        // The SDK's standard credential chain reads these, as it would on a workstation; the lab's EC2 accepts this key.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = LabSpotMarket.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = LabSpotMarket.SecretAccessKey,
        };
        var process = processes.StartDetached(LabProcessNames.Operator, options.Executables.Operator, args, [], null, _paths.OperatorLog, environment);
        await store.UpdateAsync(s => s.Processes[process.Name] = process, cancellationToken);
        return listen;
    }

    // The operator's aggregated API as a cluster has it: an APIService naming the operator's Service, whose Endpoints (no
    // selector: the operator is a process here, not a pod) hold the address it serves on.
    private async Task RegisterSubresourceApiAsync(LabApiClient api, int port, CancellationToken cancellationToken)
    {
        await api.CreateAsync($"/api/v1/namespaces/{SystemNamespace}/services", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = OperatorAccount },
            ["spec"] = new JsonObject
            {
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "subresources", ["port"] = 443, ["targetPort"] = port, ["protocol"] = "TCP" }),
            },
        }, cancellationToken);
        await api.CreateAsync($"/api/v1/namespaces/{SystemNamespace}/endpoints", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = OperatorAccount },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "subresources", ["port"] = port, ["protocol"] = "TCP" }),
            }),
        }, cancellationToken);
        var caBundle = Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(_paths.Certs, "ca.crt"), cancellationToken));
        await api.CreateAsync("/apis/apiregistration.k8s.io/v1/apiservices", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "v1alpha1.subresources.supercloud.dev" },
            ["spec"] = new JsonObject
            {
                ["group"] = "subresources.supercloud.dev",
                ["version"] = "v1alpha1",
                ["groupPriorityMinimum"] = 1000,
                ["versionPriority"] = 15,
                ["service"] = new JsonObject { ["namespace"] = SystemNamespace, ["name"] = OperatorAccount, ["port"] = 443 },
                ["caBundle"] = caBundle,
            },
        }, cancellationToken);
    }

    private async Task WaitReadyAsync(LabApiClient api, LabStateStore store, LabTopology topology, Uri operatorAddress, CancellationToken cancellationToken)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var expected = topology.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        await api.UntilAsync(
            async ct =>
            {
                // A process that died will not become ready: fail now, with its log's end.
                foreach (var process in store.Read()!.Processes.Values.Where(p => p.Name != LabProcessNames.Up))
                {
                    if (!LabProcesses.IsRunning(process))
                    {
                        throw new LabCommandException($"{process.Name} exited while the lab was starting; the end of {process.Log}:\n{Tail(process.Log, 20)}");
                    }
                }

                var ready = await api.ReadyNodesAsync(ct);
                if (!expected.IsSubsetOf(ready))
                {
                    return false;
                }

                // Every host's switch has the overlay table: SuperPods are reachable from their first second. The chart
                // configures no overlay (its agents run without one), so its lab waits for the agents alone.
                if (options.Chart is null && !expected.IsSubsetOf(await api.ReadyNodesAsync(ct, "NetworkReady")))
                {
                    return false;
                }

                try
                {
                    using var response = await probe.GetAsync(new Uri(operatorAddress, "/readyz"), ct);
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            options.ReadyTimeout,
            $"every SuperNode ({string.Join(", ", expected)}) is Ready{(options.Chart is null ? " with its overlay programmed (NetworkReady)" : "")} and the operator answers {operatorAddress}readyz",
            cancellationToken);
    }

    private static string Tail(string path, int lines)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"({e.Message})";
        }
    }

    private static string Config(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
