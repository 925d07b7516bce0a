using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.Cli;
using Xunit.Abstractions;

namespace SuperCloud.Lab.Tests.ApiServer.Storage;

/// <summary>
/// The API server as a child process killed with SIGKILL while clients write as fast as they can: every acknowledged
/// write is there after the restart with its resourceVersion, and a watch resumed from the last version it saw delivers
/// every later change exactly once. Slow (about a minute): its own class so its time is visible.
/// </summary>
public sealed class StoreCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Trials = 10;
    private const int Writers = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("lab-crash-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Every_acknowledged_write_survives_SIGKILL_and_a_resumed_watch_sees_each_change_exactly_once()
    {
        var acknowledged = new Dictionary<string, long>(StringComparer.Ordinal);
        var events = new List<(string Type, string Name, long ResourceVersion)>();
        long? watchFrom = null;
        var highestSeen = 0L;
        var random = new Random(21);
        for (var trial = 0; trial < Trials; trial++)
        {
            var port = CliProcess.FreePort();
            using var server = CliProcess.Start("apiserver", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", _dataDir);
            var stdout = server.StandardOutput.ReadToEndAsync();
            var stderr = server.StandardError.ReadToEndAsync();
            try
            {
                await CliProcess.WaitReadyAsync(server, port, stderr, Deadline);
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

                // Everything acknowledged before is there, at the version it was acknowledged with.
                var stored = await ListAsync(http);
                foreach (var (name, rv) in acknowledged)
                {
                    stored.Should().ContainKey(name, $"{name} was acknowledged before kill {trial}");
                    stored[name].Should().Be(rv, $"{name} keeps the resourceVersion it was acknowledged with");
                }

                using var stop = new CancellationTokenSource();
                var watch = WatchAsync(http, watchFrom, events, stop.Token);
                var writes = Enumerable.Range(0, Writers).Select(w => WriteAsync(http, $"t{trial}-w{w}", acknowledged, stop.Token)).ToList();

                // Killed at a random moment once this round's writes flow (the first ones of a fresh process are slow).
                int before;
                lock (acknowledged)
                {
                    before = acknowledged.Count;
                }

                var flowing = Stopwatch.StartNew();
                while (Count(acknowledged) < before + Writers && flowing.Elapsed < Deadline && !server.HasExited)
                {
                    await Task.Delay(10);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1200)));
                server.Kill();
                await server.WaitForExitAsync();
                await stop.CancelAsync();
                await Task.WhenAll(writes);
                await watch;
            }
            finally
            {
                if (!server.HasExited)
                {
                    server.Kill();
                }

                await stdout;
            }

            lock (events)
            {
                events.Count.Should().BeGreaterThan(0);
                watchFrom = events[^1].ResourceVersion;
            }

            lock (acknowledged)
            {
                acknowledged.Values.Max().Should().BeGreaterThan(highestSeen, $"trial {trial} acknowledged new writes");
                highestSeen = acknowledged.Values.Max();
            }
        }

        // A last restart: the final state, then the watch resumed once more to catch up with it.
        var lastPort = CliProcess.FreePort();
        using var last = CliProcess.Start("apiserver", "--port", lastPort.ToString(CultureInfo.InvariantCulture), "--data-dir", _dataDir);
        var lastStdout = last.StandardOutput.ReadToEndAsync();
        var lastStderr = last.StandardError.ReadToEndAsync();
        try
        {
            await CliProcess.WaitReadyAsync(last, lastPort, lastStderr, Deadline);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{lastPort}"), Timeout = TimeSpan.FromSeconds(30) };
            var final = await ListAsync(http);
            var lost = acknowledged.Where(a => !final.TryGetValue(a.Key, out var rv) || rv != a.Value).Select(a => a.Key).ToList();
            output.WriteLine($"{Trials} SIGKILLs: {acknowledged.Count} acknowledged writes, {lost.Count} lost; {events.Count} watch events before the final catch-up");
            lost.Should().BeEmpty($"{acknowledged.Count} writes were acknowledged over {Trials} kills");

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await WatchAsync(http, watchFrom, events, stop.Token, untilVersion: final.Values.Max());
            var rvs = events.Select(e => e.ResourceVersion).ToList();
            rvs.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("a resumed watch delivers each change once, in order");
            var added = events.Where(e => e.Type == "ADDED").GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            foreach (var name in acknowledged.Keys)
            {
                added.GetValueOrDefault(name).Should().Be(1, $"the watch saw the creation of {name} exactly once");
            }

            var created = events.Where(e => e.Type == "ADDED").ToDictionary(e => e.Name, e => e.ResourceVersion, StringComparer.Ordinal);
            foreach (var (name, rv) in final)
            {
                created.Should().ContainKey(name, "every stored ConfigMap was seen by the watch");
                created[name].Should().Be(rv);
            }
        }
        finally
        {
            if (!last.HasExited)
            {
                last.Kill();
            }

            await lastStdout;
        }
    }

    private static int Count(Dictionary<string, long> acknowledged)
    {
        lock (acknowledged)
        {
            return acknowledged.Count;
        }
    }

    /// <summary>Creates ConfigMaps one after another until cancelled or the server dies, recording each 201.</summary>
    private static async Task WriteAsync(HttpClient http, string prefix, Dictionary<string, long> acknowledged, CancellationToken cancellationToken)
    {
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            var name = $"{prefix}-{i}";
            var body = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["data"] = new JsonObject { ["payload"] = new string('x', 200) },
            }.ToJsonString();
            try
            {
                using var response = await http.PostAsync("/api/v1/namespaces/default/configmaps",
                    new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    throw new InvalidOperationException($"creating {name} answered {(int)response.StatusCode}: {text}");
                }

                // The body must arrive whole: a response cut by the kill is no acknowledgement.
                var created = JsonNode.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None))!;
                var rv = long.Parse(created["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                lock (acknowledged)
                {
                    acknowledged[name] = rv;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
            {
                return;
            }
        }
    }

    /// <summary>Watches ConfigMaps in default from <paramref name="from"/> (or from the start), recording each event, until the stream ends.</summary>
    private static async Task WatchAsync(HttpClient http, long? from, List<(string Type, string Name, long ResourceVersion)> events, CancellationToken cancellationToken, long? untilVersion = null)
    {
        var query = from is { } rv ? $"&resourceVersion={rv.ToString(CultureInfo.InvariantCulture)}" : "";
        try
        {
            using var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true{query}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                JsonNode e;
                try
                {
                    e = JsonNode.Parse(line)!;
                }
                catch (System.Text.Json.JsonException)
                {
                    return; // a line cut by the kill
                }

                var type = e["type"]!.GetValue<string>();
                type.Should().NotBe("ERROR", line);
                var meta = e["object"]!["metadata"]!;
                var version = long.Parse(meta["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                lock (events)
                {
                    events.Add((type, meta["name"]!.GetValue<string>(), version));
                }

                if (version >= untilVersion)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // The server was killed or the test stopped watching.
        }
    }

    private static async Task<Dictionary<string, long>> ListAsync(HttpClient http)
    {
        var list = JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces/default/configmaps"))!;
        return list["items"]!.AsArray().ToDictionary(
            i => i!["metadata"]!["name"]!.GetValue<string>(),
            i => long.Parse(i!["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            StringComparer.Ordinal);
    }
}
