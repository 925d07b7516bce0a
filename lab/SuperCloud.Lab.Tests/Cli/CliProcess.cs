using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Cli;

/// <summary>Starting the built <c>supercloud-lab</c> CLI as a child process and waiting for its API server.</summary>
internal static class CliProcess
{
    /// <summary>The CLI built in the same configuration (Debug or Release) as this test assembly.</summary>
    public static string CliPath
    {
        get
        {
            var configuration = typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var directory = Path.Combine(RepoPaths.Root, "lab", "SuperCloud.Lab.Cli", "bin", configuration, "net10.0");
            var path = Path.Combine(directory, "supercloud-lab");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"{path} is not built: run `dotnet build lab/SuperCloud.Lab.Cli/SuperCloud.Lab.Cli.csproj -c {configuration}` first");
            }

            return path;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(CliPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("supercloud-lab did not start");
    }

    /// <summary>Polls /healthz until the server answers or the process dies.</summary>
    public static async Task WaitReadyAsync(Process process, int port, Task<string> stderr, TimeSpan deadline)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"supercloud-lab exited with {process.ExitCode}: {await stderr}");
            }

            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"supercloud-lab on port {port} was not ready within {deadline}");
    }
}
