using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// A CloudEvents HTTP sink on 127.0.0.1 that records each request's ce-* headers, Content-Type and body in arrival
/// order; <see cref="HangAsync"/> turns it into a sink that accepts connections and never answers (a sink that is down).
/// </summary>
internal sealed class CloudEventSinkServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private HttpListener? _http;
    private TcpListener? _blackHole;
    private Task _loop = Task.CompletedTask;

    private CloudEventSinkServer(int port) => Port = port;

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/events/");

    /// <summary>Every event received, in order.</summary>
    public ConcurrentQueue<ReceivedEvent> Received { get; } = new();

    public static CloudEventSinkServer Start()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var server = new CloudEventSinkServer(port);
        server.Listen();
        return server;
    }

    /// <summary>Stops answering: connections are accepted and held open, requests never get a response.</summary>
    public async Task HangAsync()
    {
        _http?.Close();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _blackHole = new TcpListener(IPAddress.Loopback, Port);
        _blackHole.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _blackHole.AcceptSocketAsync(_stop.Token);
                lock (_held)
                {
                    _held.Add(socket);
                }
            }
        });
    }

    /// <summary>Answers again.</summary>
    public async Task ResumeAsync()
    {
        _blackHole?.Stop();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        lock (_held)
        {
            _held.ForEach(s => s.Dispose());
            _held.Clear();
        }

        Listen();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _http?.Close();
        _blackHole?.Stop();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        lock (_held)
        {
            _held.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }

    private void Listen()
    {
        _http = new HttpListener();
        _http.Prefixes.Add(Address.ToString());
        _http.Start();
        var http = _http;
        _loop = Task.Run(async () =>
        {
            while (http.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await http.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var headers = context.Request.Headers.AllKeys
                    .Where(k => k is not null && k.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
                    .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!, StringComparer.Ordinal);
                Received.Enqueue(new ReceivedEvent(headers, context.Request.ContentType ?? "", body));
                context.Response.StatusCode = 202;
                context.Response.Close();
            }
        });
    }
}
