using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Bench;

/// <summary>
/// A <c>supercloud-lab apiserver</c> child process on a free loopback port, kept in memory (no data directory, so no
/// snapshot writes compete with the measurement) and killed on disposal.
/// </summary>
internal sealed class LabApiServerProcess : IAsyncDisposable
{
    private const int TailLines = 40;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private LabApiServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>CPU the server process has used so far.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the server and waits until it answers /readyz.</summary>
    public static async Task<LabApiServerProcess> StartAsync(TimeSpan readyWithin, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(RepoPaths.LabCli)
        {
            ArgumentList = { "apiserver", "--port", port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var server = new LabApiServerProcess(process, new Uri($"http://127.0.0.1:{port}"));

        // Drained so a chatty server never blocks on a full pipe; the tail explains a server that dies.
        process.OutputDataReceived += (_, e) => server.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => server.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(readyWithin, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of the server, as a separate process (kubectl, an operator replica) would hold one.</summary>
    public Kubernetes NewClient() =>
        new(new KubernetesClientConfiguration { Host = BaseAddress.ToString(), AccessToken = LabApiServer.ContextName });

    /// <summary>Writes a kubeconfig for the server (context <see cref="LabApiServer.ContextName"/>) to <paramref name="path"/>.</summary>
    public Task WriteKubeconfigAsync(string path, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(
            path,
            $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {LabApiServer.ContextName}
              cluster:
                server: {BaseAddress.GetLeftPart(UriPartial.Authority)}
            users:
            - name: {LabApiServer.ContextName}
              user:
                token: {LabApiServer.ContextName}
            contexts:
            - name: {LabApiServer.ContextName}
              context:
                cluster: {LabApiServer.ContextName}
                user: {LabApiServer.ContextName}
            current-context: {LabApiServer.ContextName}

            """,
            cancellationToken);

    /// <summary>Kills the server (it keeps nothing on disk) and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static int FreePort()
    {
        // The port is free when we look; the server binds it a moment later (a race other processes on this machine could only rarely win).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task WaitUntilReadyAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"supercloud-lab apiserver exited with code {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/readyz"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The 2 s request timeout: still starting.
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"supercloud-lab apiserver did not answer /readyz within {within}:\n{Tail()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    private string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }
}
