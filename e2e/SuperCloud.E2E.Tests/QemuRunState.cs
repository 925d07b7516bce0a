using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// Asks a QEMU process itself whether its guest runs: QMP <c>query-status</c> through the VM's observer socket (the
/// lab's agents give every VM one beside the agent's own QMP socket). This is the ground truth of "the guest is not
/// paused", independent of the agents — whose view is what the tests check, and which a partitioned agent cannot even
/// give. Thread states or CPU time in /proc cannot tell an idle guest from a paused one, and a console log only shows
/// the guest ran at some point in a second.
/// </summary>
internal static class QemuRunState
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>The observer socket of QEMU process <paramref name="pid"/>, from its command line; null when it has none.</summary>
    public static string? ObserverSocket(int pid)
    {
        string[] args;
        try
        {
            args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return args.Select(a => a.StartsWith("unix:", StringComparison.Ordinal) && a.Contains("/observe.sock", StringComparison.Ordinal) ? a[5..a.IndexOf(',', StringComparison.Ordinal)] : null)
            .FirstOrDefault(a => a is not null);
    }

    /// <summary>True when QEMU says the guest runs, false when it says it does not, null when QEMU cannot be asked (exiting).</summary>
    public static async Task<bool?> IsRunningAsync(string socketPath)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await reader.ReadLineAsync(cts.Token);
            await ExecuteAsync(stream, reader, "qmp_capabilities", cts.Token);
            var status = await ExecuteAsync(stream, reader, "query-status", cts.Token);
            return status.GetProperty("running").GetBoolean();
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    // Sends one command and returns its "return" object, skipping the events QEMU sends in between.
    private static async Task<JsonElement> ExecuteAsync(Stream stream, StreamReader reader, string command, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"execute\":\"{command}\"}}\n"), cancellationToken);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            using var reply = JsonDocument.Parse(line);
            if (reply.RootElement.TryGetProperty("return", out var result))
            {
                return result.Clone();
            }

            if (reply.RootElement.TryGetProperty("error", out var error))
            {
                throw new IOException($"QMP {command} failed: {error}");
            }
        }

        throw new IOException($"QMP closed during {command}");
    }
}
