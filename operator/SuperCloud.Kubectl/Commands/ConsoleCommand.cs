using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;

namespace SuperCloud.Kubectl.Commands;

/// <summary>
/// <c>console NAME</c>: the SuperPod's serial console through the API server (the <c>superpods/console</c> subresource, a
/// WebSocket): what the guest writes goes to stdout, stdin goes to the guest, Ctrl-] detaches. On a terminal the terminal
/// is raw while attached, so every key reaches the guest as it is typed.
/// </summary>
internal static class ConsoleCommand
{
    /// <summary>Ctrl-], telnet's and virtctl's escape.</summary>
    public const byte Escape = 0x1d;

    public const string Protocol = "plain.supercloud.dev";

    public static async Task<int> RunAsync(
        KubeConnection connection, string ns, string name, Stream input, Stream output, TextWriter messages, bool terminal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(messages);
        var path = SuperCloudClient.SubresourcePath(ns, name, "console");
        ClientWebSocket socket;
        try
        {
            socket = await connection.ConnectWebSocketAsync(path, Protocol, cancellationToken);
        }
        catch (WebSocketException e)
        {
            throw new CommandFailedException(await RefusalAsync(connection, path, ns, name, e, cancellationToken));
        }

        using (socket)
        {
            await messages.WriteLineAsync($"Successfully connected to SuperPod {ns}/{name}'s console. The escape sequence is ^]");
            await messages.FlushAsync(cancellationToken);
            var saved = terminal ? Stty("-g") : null;
            if (saved is not null)
            {
                Stty("raw -echo");
            }

            try
            {
                using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var fromGuest = CopyOutputAsync(socket, output, session);
                var toGuest = CopyInputAsync(input, socket, session);
                var first = await Task.WhenAny(fromGuest, toGuest);
                await session.CancelAsync();
                if (first == toGuest)
                {
                    // Surfaces a broken connection; stdin itself cannot be cancelled, so it is not waited for otherwise.
                    await toGuest;
                }
                var closed = first == fromGuest ? await fromGuest : null;
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "detached", CancellationToken.None);
                }

                await messages.WriteLineAsync(closed is null ? "\r\ndetached" : $"\r\nthe console closed: {closed}");
            }
            finally
            {
                if (saved is not null)
                {
                    Stty(saved);
                }
            }
        }

        return 0;
    }

    /// <summary>The bytes of <paramref name="chunk"/> before Ctrl-], and whether it held one.</summary>
    public static (int Count, bool Detach) BeforeEscape(ReadOnlySpan<byte> chunk)
    {
        var at = chunk.IndexOf(Escape);
        return at < 0 ? (chunk.Length, false) : (at, true);
    }

    // What the guest writes, until the server closes (returns why) or the session ends (returns null).
    private static async Task<string?> CopyOutputAsync(ClientWebSocket socket, Stream output, CancellationTokenSource session)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, session.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return string.IsNullOrEmpty(socket.CloseStatusDescription) ? "by the server" : socket.CloseStatusDescription;
                }

                await output.WriteAsync(buffer.AsMemory(0, received.Count), session.Token);
                await output.FlushAsync(session.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (WebSocketException e)
        {
            return e.Message;
        }
    }

    private static async Task CopyInputAsync(Stream input, ClientWebSocket socket, CancellationTokenSource session)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(buffer, session.Token);
                if (read == 0)
                {
                    return;
                }

                var (count, detach) = BeforeEscape(buffer.AsSpan(0, read));
                if (count > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, count), WebSocketMessageType.Binary, endOfMessage: true, session.Token);
                }

                if (detach)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended on the other side.
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            throw new CommandFailedException($"the console connection broke: {e.Message}");
        }
    }

    // The upgrade was refused: the same request without upgrade carries the API's Status and its message.
    private static async Task<string> RefusalAsync(KubeConnection connection, string path, string ns, string name, WebSocketException error, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await connection.SendAsync(HttpMethod.Get, path, cancellationToken);
            // Only a refusal the plain request meets as well explains the upgrade's (not "the request must ask to upgrade").
            if (response.StatusCode is not (HttpStatusCode.BadRequest or HttpStatusCode.OK or HttpStatusCode.MethodNotAllowed))
            {
                return await SuperCloudClient.ErrorMessageAsync(response, $"console of SuperPod {ns}/{name}", cancellationToken);
            }
        }
        catch (HttpRequestException)
        {
            // Fall back to the WebSocket's own error below.
        }

        return $"cannot open the console of SuperPod {ns}/{name}: {error.Message}{(error.InnerException is { } inner ? ": " + inner.Message : "")}";
    }

    private static string? Stty(string arguments)
    {
        var start = new ProcessStartInfo("stty") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
