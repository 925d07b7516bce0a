using System.Globalization;
using System.Runtime.InteropServices;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Cli;

/// <summary>The <c>supercloud-lab</c> command line: <c>apiserver</c>, and the lab of hosts (<c>up</c>, <c>down</c>, ...).</summary>
internal static class LabCommand
{
    private static readonly string Usage = """
        usage: supercloud-lab apiserver [--port PORT] [--data-dir DIR] [--verbose]
              the API server alone on 127.0.0.1
              --port      TCP port (default 6443; 0 picks a free port)
              --data-dir  directory for the snapshot and the kubeconfig (default: in memory, no kubeconfig)
              --verbose   log every request

        """ + HostsCommands.Usage;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await Console.Out.WriteLineAsync(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        if (HostsCommands.Names.Contains(args[0]))
        {
            return await HostsCommands.RunAsync(args[0], args[1..], cancellationToken);
        }

        if (args[0] != "apiserver")
        {
            await Console.Error.WriteLineAsync($"unknown command \"{args[0]}\"\n{Usage}");
            return 2;
        }

        var verbose = args.Contains("--verbose");
        if (!TryParse(args[1..].Where(a => a != "--verbose").ToArray(), out var options, out var error))
        {
            await Console.Error.WriteLineAsync($"{error}\n{Usage}");
            return 2;
        }

        return await ServeAsync(options, verbose, cancellationToken);
    }

    private static bool TryParse(string[] args, out LabApiServerOptions options, out string error)
    {
        options = new LabApiServerOptions { Port = 6443 };
        error = "";
        for (var i = 0; i < args.Length; i++)
        {
            var (flag, inlineValue) = args[i].Split('=', 2) is [var f, var v] ? (f, v) : (args[i], null);
            if (flag is not ("--port" or "--data-dir"))
            {
                error = $"unknown flag \"{args[i]}\"";
                return false;
            }

            var value = inlineValue ?? (i + 1 < args.Length ? args[++i] : null);
            if (value is null)
            {
                error = $"flag {flag} needs a value";
                return false;
            }

            if (flag == "--port")
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                {
                    error = $"invalid --port \"{value}\": must be an integer between 0 and 65535";
                    return false;
                }

                options = options with { Port = port };
            }
            else
            {
                options = options with { DataDir = Path.GetFullPath(value) };
            }
        }

        return true;
    }

    private static async Task<int> ServeAsync(LabApiServerOptions options, bool verbose, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .AddJsonConsole(o => o.IncludeScopes = false)
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information));
        var logger = loggerFactory.CreateLogger("supercloud-lab");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        await using var server = await LabApiServer.StartAsync(options with { LoggerFactory = loggerFactory }, stop.Token);
        if (options.DataDir is not null)
        {
            var kubeconfig = Path.Combine(options.DataDir, "kubeconfig");
            server.WriteKubeconfig(kubeconfig);
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Wrote kubeconfig {Path} (context {Context})", kubeconfig, LabApiServer.ContextName);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Shutting down");
        }

        return 0;
    }
}
