using System.Globalization;
using System.Runtime.InteropServices;
using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Cli;

/// <summary>The lab-host subcommands: <c>up</c>, <c>down</c>, <c>agent</c>, <c>operator</c>, <c>link</c>, <c>spot</c>.</summary>
internal static class HostsCommands
{
    public const string Usage = """
          supercloud-lab up --data-dir DIR --clouds NAME:HOSTS[,NAME:HOSTS...] [--port 6443] [--subnet A.B.0.0/16]
                            [--lease-duration 40s] [--node-grace-period 5m] [--ready-timeout 3m]
                            [--agent-bin PATH] [--operator-bin PATH] [--crds DIR] [--guest-dir DIR]
                            [--install manifests|chart [--chart DIR] [--helm-set 'k=v;k=v']]
              runs a lab in the foreground until SIGINT/SIGTERM, then removes it. NAME is PROVIDER-REGION (aws-us-east-1,
              gcp-europe-west1, azure-eastus) or onprem[-SITE]; hosts are NAME-1..NAME-HOSTS, each a network namespace with
              its own node agent at A.B.CLOUD.(10+N):7443; every even-numbered host of a cloud that sells spot is a spot
              instance. Writes DIR/kubeconfig at once and DIR/ready when every SuperNode is Ready and the operator serves.
              --lease-duration: the agents' heartbeat Lease; --node-grace-period: how long a NotReady node keeps its SuperPods.
              Each cloud has an OCI registry at A.B.CLOUD.5:5000 holding supercloud/test-guest and supercloud/test-guest-disk
              (pushed from --guest-dir, node-agent/guest's build by default, and copied by digest between clouds); agents
              pull from their cloud's registry first, the operator resolves unqualified images at the first cloud's.
              --install chart: install SuperCloud with helm (one cloud) and run the chart's pods on the hosts, as a kubelet.
          supercloud-lab down --data-dir DIR
              stops a running up (or cleans up after a killed one): every process, namespace, link, route and file of the lab
          supercloud-lab agent stop|kill|start --data-dir DIR --host HOST [-- EXTRA_AGENT_ARGS...]
          supercloud-lab operator stop|kill|start --data-dir DIR [-- EXTRA_OPERATOR_ARGS...]
              stop: SIGTERM and wait; kill: SIGKILL; start: again with the lab's arguments plus the extra ones (detached,
              output appended to its log)
          supercloud-lab link --data-dir DIR --cloud CLOUD --rate RATE | --cloud CLOUD --clear | --cut A,B | --restore A,B
                              | --isolate HOST | --rejoin HOST
              caps the traffic entering a cloud (tc rate: 100mbit, 1gbit), cuts/restores the link between two clouds, or
              cuts/heals the path between the management link (API server, operator) and a host, leaving host-to-host paths up
          supercloud-lab ovs stop|kill|start --data-dir DIR --host HOST
              stops (SIGTERM), kills (SIGKILL) or starts again the host's ovs-vswitchd (its ovsdb-server keeps running)
          supercloud-lab client --data-dir DIR --cloud CLOUD -- COMMAND [ARGS...]
              runs COMMAND in the cloud's client namespace (like a laptop on the cloud's VPN: it reaches every SuperPod
              IP through the cloud's first host) with this terminal, and exits with its exit code
        """ + SpotCommand.Usage;

    public static readonly string[] Names = ["up", "down", "agent", "operator", "link", "ovs", "client", "spot"];

    private static readonly string[] LinkModes = ["--cloud", "--cut", "--restore", "--isolate", "--rejoin"];

    public static async Task<int> RunAsync(string command, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            })
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning));
        var logger = loggerFactory.CreateLogger("supercloud-lab");
        try
        {
            return command switch
            {
                "up" => await UpAsync(args, loggerFactory, cancellationToken),
                "down" => await DownAsync(args, logger, cancellationToken),
                "agent" or "operator" or "ovs" => await ProcessAsync(command, args, logger, cancellationToken),
                "client" => await ClientAsync(args, logger, cancellationToken),
                "spot" => await SpotCommand.RunAsync(args, logger, cancellationToken),
                _ => await LinkAsync(args, logger, cancellationToken),
            };
        }
        catch (LabUsageException e)
        {
            await Console.Error.WriteLineAsync($"supercloud-lab {command}: {e.Message}");
            return 2;
        }
        catch (LabCommandException e)
        {
            await Console.Error.WriteLineAsync($"supercloud-lab {command}: {e.Message}");
            return 1;
        }
        catch (TimeoutException e)
        {
            await Console.Error.WriteLineAsync($"supercloud-lab {command}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 1;
        }
    }

    private static async Task<int> UpAsync(IReadOnlyList<string> args, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var parsed = CommandArguments.Parse(
            args,
            ["--data-dir", "--clouds", "--port", "--subnet", "--lease-duration", "--node-grace-period", "--ready-timeout", "--agent-bin", "--operator-bin", "--crds",
                "--guest-dir", "--install", "--chart", "--helm-set"]);
        if (parsed.PassThrough.Count > 0)
        {
            throw new LabUsageException($"up takes no arguments after --, got \"{string.Join(' ', parsed.PassThrough)}\"");
        }

        var dataDir = DataDir(parsed);
        var cloudsText = parsed.Required("--clouds");
        var clouds = CloudSpec.ParseList(cloudsText);
        var port = 6443;
        if (parsed.Get("--port") is { } portText
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            throw new LabUsageException($"--port \"{portText}\": must be an integer between 0 and 65535");
        }

        var lease = parsed.Get("--lease-duration") is { } leaseText ? LabDuration.Parse("--lease-duration", leaseText) : TimeSpan.FromSeconds(40);
        if (lease < TimeSpan.FromSeconds(2))
        {
            throw new LabUsageException($"--lease-duration \"{parsed.Get("--lease-duration")}\": must be at least 2s");
        }

        var defaults = LabExecutables.FromRepositoryOrDefault();
        var executables = new LabExecutables(
            Path.GetFullPath(parsed.Get("--agent-bin") ?? defaults.NodeAgent),
            Path.GetFullPath(parsed.Get("--operator-bin") ?? defaults.Operator),
            Path.GetFullPath(parsed.Get("--crds") ?? defaults.Crds),
            defaults.Deploy);
        executables.Validate();
        string? chart = null;
        switch (parsed.Get("--install") ?? "manifests")
        {
            case "manifests":
                if (parsed.Get("--chart") is not null || parsed.Get("--helm-set") is not null)
                {
                    throw new LabUsageException("--chart and --helm-set go with --install chart");
                }

                break;
            case "chart":
                chart = Path.GetFullPath(parsed.Get("--chart") ?? defaults.Chart ?? throw new LabUsageException("--install chart: give the chart directory with --chart"));
                if (!File.Exists(Path.Combine(chart, "Chart.yaml")))
                {
                    throw new LabUsageException($"--chart \"{chart}\": no Chart.yaml there");
                }

                if (clouds.Count != 1)
                {
                    throw new LabUsageException($"--install chart: give one cloud (the chart's agents form one SuperCluster), got {clouds.Count}");
                }

                break;
            case var other:
                throw new LabUsageException($"--install \"{other}\": must be manifests or chart");
        }

        executables = executables with { Helm = defaults.Helm, Chart = defaults.Chart };
        var options = new LabUpOptions
        {
            DataDir = dataDir,
            CloudsText = cloudsText,
            Clouds = clouds,
            Port = port,
            Subnet = parsed.Get("--subnet") is { } subnet ? LabSubnet.Parse(subnet) : null,
            LeaseDuration = lease,
            NodeGracePeriod = parsed.Get("--node-grace-period") is { } grace ? LabDuration.Parse("--node-grace-period", grace) : TimeSpan.FromMinutes(5),
            ReadyTimeout = parsed.Get("--ready-timeout") is { } ready ? LabDuration.Parse("--ready-timeout", ready) : TimeSpan.FromMinutes(3),
            Executables = executables,
            GuestDirectory = parsed.Get("--guest-dir") is { } guest ? Path.GetFullPath(guest) : null,
            Chart = chart,
            HelmSettings = HelmSettings(parsed.Get("--helm-set")),
        };
        RequireRoot("up");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        await new LabUp(options, loggerFactory, TimeProvider.System).RunAsync(stop.Token);
        return 0;
    }

    private static async Task<int> DownAsync(IReadOnlyList<string> args, ILogger logger, CancellationToken cancellationToken)
    {
        var parsed = CommandArguments.Parse(args, ["--data-dir"]);
        var dataDir = DataDir(parsed);
        RequireRoot("down");
        var commands = new CommandRunner(logger);
        var store = new LabStateStore(dataDir, TimeProvider.System);
        var processes = new LabProcesses(commands, TimeProvider.System, logger);
        if (!Directory.Exists(dataDir))
        {
            await Console.Out.WriteLineAsync($"no lab in {dataDir}");
            return 0;
        }

        if (!await new LabTeardown(store, commands, processes, TimeProvider.System, logger).DownAsync(dataDir, cancellationToken))
        {
            await Console.Out.WriteLineAsync($"no lab state in {dataDir}; removed any leftover namespaces and links of its lab id");
        }

        return 0;
    }

    private static async Task<int> ProcessAsync(string kind, IReadOnlyList<string> args, ILogger logger, CancellationToken cancellationToken)
    {
        var action = args.Count > 0 ? args[0] : "";
        if (action is not ("stop" or "kill" or "start"))
        {
            throw new LabUsageException($"{kind} needs an action: stop, kill or start, got \"{action}\"");
        }

        var parsed = CommandArguments.Parse(args.Skip(1).ToList(), kind is "agent" or "ovs" ? ["--data-dir", "--host"] : ["--data-dir"]);
        var dataDir = DataDir(parsed);
        if (action != "start" && parsed.PassThrough.Count > 0)
        {
            throw new LabUsageException($"{kind} {action} takes no arguments after --");
        }

        RequireRoot(kind);
        var control = new LabControl(dataDir, TimeProvider.System, logger);
        var name = kind switch
        {
            "agent" => LabProcessNames.Agent(control.Topology().Host(parsed.Required("--host")).Name),
            "ovs" => LabProcessNames.OvsSwitch(control.Topology().Host(parsed.Required("--host")).Name),
            _ => LabProcessNames.Operator,
        };
        if (action == "start")
        {
            await control.StartAsync(name, parsed.PassThrough, cancellationToken);
        }
        else
        {
            await control.StopAsync(name, kill: action == "kill", cancellationToken);
        }

        return 0;
    }

    private static async Task<int> LinkAsync(IReadOnlyList<string> args, ILogger logger, CancellationToken cancellationToken)
    {
        var parsed = CommandArguments.Parse(args, ["--data-dir", "--cloud", "--rate", "--cut", "--restore", "--isolate", "--rejoin"], ["--clear"]);
        var dataDir = DataDir(parsed);
        var control = new LabControl(dataDir, TimeProvider.System, logger);
        var modes = LinkModes.Where(parsed.Has).ToList();
        if (modes.Count != 1)
        {
            throw new LabUsageException("link needs exactly one of --cloud CLOUD (with --rate RATE or --clear), --cut A,B, --restore A,B, --isolate HOST or --rejoin HOST");
        }

        if (modes[0] == "--cloud")
        {
            var cloud = parsed.Required("--cloud");
            if (parsed.Has("--rate") == parsed.Has("--clear"))
            {
                throw new LabUsageException($"--cloud \"{cloud}\": give either --rate RATE or --clear");
            }

            var rate = parsed.Get("--rate") is { } rateText ? LinkRate.Parse(rateText) : null;
            RequireRoot("link");
            if (rate is not null)
            {
                await control.ShapeAsync(cloud, rate, cancellationToken);
            }
            else
            {
                await control.ClearShapingAsync(cloud, cancellationToken);
            }

            return 0;
        }

        if (parsed.Has("--rate") || parsed.Has("--clear"))
        {
            throw new LabUsageException($"{modes[0]} takes no --rate or --clear");
        }

        if (modes[0] is "--isolate" or "--rejoin")
        {
            var host = parsed.Required(modes[0]);
            if (host.Length == 0 || host.Contains(',', StringComparison.Ordinal))
            {
                throw new LabUsageException($"{modes[0]} \"{host}\": must name one host");
            }

            RequireRoot("link");
            await control.IsolateAsync(host, rejoin: modes[0] == "--rejoin", cancellationToken);
            return 0;
        }

        var pair = parsed.Required(modes[0]).Split(',');
        if (pair.Length != 2 || pair.Any(p => p.Length == 0))
        {
            throw new LabUsageException($"{modes[0]} \"{parsed.Get(modes[0])}\": must name two clouds as A,B");
        }

        RequireRoot("link");
        await control.CutAsync(pair[0], pair[1], restore: modes[0] == "--restore", cancellationToken);
        return 0;
    }

    private static async Task<int> ClientAsync(IReadOnlyList<string> args, ILogger logger, CancellationToken cancellationToken)
    {
        var parsed = CommandArguments.Parse(args, ["--data-dir", "--cloud"]);
        if (parsed.PassThrough.Count == 0)
        {
            throw new LabUsageException("client needs a command after --, e.g. `client --data-dir DIR --cloud CLOUD -- ping -c 3 10.200.0.10`");
        }

        var control = new LabControl(DataDir(parsed), TimeProvider.System, logger);
        var topology = control.Topology();
        var cloud = topology.Cloud(parsed.Required("--cloud"), "--cloud");
        RequireRoot("client");
        var info = new System.Diagnostics.ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (var arg in (string[])["netns", "exec", topology.ClientNamespace(cloud), .. parsed.PassThrough])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info) ?? throw new LabCommandException("`ip netns exec` did not start");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode;
    }

    private static string DataDir(CommandArguments parsed) => Path.GetFullPath(parsed.Required("--data-dir"));

    private static void RequireRoot(string command)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new LabCommandException($"must run as root: {command} creates and changes network namespaces, links and routes (try sudo)");
        }
    }

    // --helm-set 'a.b=1;c=x': each entry a helm --set KEY=VALUE.
    private static string[] HelmSettings(string? text)
    {
        var settings = (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var setting in settings)
        {
            if (setting.IndexOf('=', StringComparison.Ordinal) <= 0)
            {
                throw new LabUsageException($"--helm-set \"{setting}\": each setting must be KEY=VALUE");
            }
        }

        return settings;
    }
}
