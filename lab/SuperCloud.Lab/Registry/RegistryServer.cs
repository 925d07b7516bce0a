using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SuperCloud.Lab.Registry;

/// <summary>
/// A real Docker distribution registry (Debian's <c>docker-registry</c>) on a free loopback port with its storage in a
/// directory of its own: the registry tests and benchmarks push to and pull from. Disposing stops it and removes its storage.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    /// <summary>The registry binary.</summary>
    public const string Executable = "docker-registry";

    // sh -c WATCHDOG registry config owner-pid: serve, and stop serving once the owner process is gone; the registry also
    // dies with the watchdog itself (parent-death signal), should that be killed first.
    private const string Watchdog =
        "setpriv --pdeathsig KILL -- \"$0\" serve \"$1\" & registry=$!; trap 'kill -KILL $registry 2>/dev/null' EXIT INT TERM; " +
        "while kill -0 \"$2\" 2>/dev/null && kill -0 $registry 2>/dev/null; do sleep 1; done; kill -KILL $registry 2>/dev/null; wait $registry";

    private readonly Process _process;
    private readonly string _directory;
    private readonly bool _ownsDirectory;

    private RegistryServer(Process process, string directory, bool ownsDirectory, string address, bool tls)
    {
        _process = process;
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Address = address;
        Tls = tls;
    }

    /// <summary>host:port, the registry's name in image references.</summary>
    public string Address { get; }

    /// <summary>Whether it serves HTTPS.</summary>
    public bool Tls { get; }

    /// <summary>The registry's storage root.</summary>
    public string Storage => Path.Combine(_directory, "storage");

    /// <summary>Null when the registry binary is installed, otherwise what to install.</summary>
    public static string? Missing =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, Executable)))
            ? null
            : $"{Executable} is not installed (apt-get install docker-registry; make setup does)";

    /// <summary>
    /// Starts a registry in <paramref name="directory"/> (a new temporary directory, removed on dispose, when null) and waits
    /// until it answers.
    /// </summary>
    public static async Task<RegistryServer> StartAsync(string? directory = null, RegistryTls? tls = null, RegistryTokenAuth? token = null, CancellationToken cancellationToken = default)
    {
        var owns = directory is null;
        directory ??= Directory.CreateTempSubdirectory("supercloud-registry-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "storage"));
        var address = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{FreePort()}");
        var config = Path.Combine(directory, "config.yml");
        RegistryConfig.Write(config, Path.Combine(directory, "storage"), address, tls, token);
        // A watchdog shell holds the registry: it ends it when this process goes, even by SIGKILL (a test host killed
        // after its run), which no exit handler of ours would see.
        var info = new ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-c", Watchdog, Executable, config, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{Executable} did not start");
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new RegistryServer(process, directory, owns, address, tls is not null);
        try
        {
            await server.WaitReadyAsync(() => { lock (log) { return log.ToString(); } }, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The file holding blob <paramref name="digestHex"/> in the registry's storage (to corrupt it in tests).</summary>
    public string BlobDataPath(string digestHex) => Path.Combine(Storage, "docker", "registry", "v2", "blobs", "sha256", digestHex[..2], digestHex, "data");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by the dying process; the temp directory is cleaned eventually.
            }
        }
    }

    // Listening is ready: the registry opens its port only after it has set up its storage.
    private async Task WaitReadyAsync(Func<string> log, CancellationToken cancellationToken)
    {
        var endpoint = IPEndPoint.Parse(Address);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Executable} exited with code {_process.ExitCode}: {log()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(endpoint, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Executable} did not listen on {Address} within 30 s: {log()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
