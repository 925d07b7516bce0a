using System.Globalization;
using System.Net;
using System.Text;
using SuperCloud.Lab.Tests.Cli;
using Xunit.Abstractions;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>
/// Malformed, huge, deeply nested, alias-bombed and wrongly typed bodies and headers at every writing verb of a server
/// running as a child process: every answer is a 4xx, the server stays up, and its peak memory stays bounded. The one
/// 5xx allowed is kube's own: server-side apply of an object its schema cannot type answers 500 "failed to create typed
/// patch object" there too (a plain error, which kube's handler reports as an internal one).
/// Its own class (about half a minute) so its time is visible.
/// </summary>
public sealed class BadBodyFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const long PeakMemoryLimit = 1024L * 1024 * 1024;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("lab-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static string Nested(string open, int levels) => new StringBuilder().Insert(0, open, levels).ToString();

    /// <summary>Hand-written bad bodies, each with the content type it is sent as.</summary>
    private static IEnumerable<(string Name, byte[] Body, string Type)> Crafted()
    {
        static (string, byte[], string) Text(string name, string body, string type = "application/json") => (name, Encoding.UTF8.GetBytes(body), type);
        yield return Text("empty", "");
        yield return Text("null", "null");
        yield return Text("array", "[1,2,3]");
        yield return Text("number", "12");
        yield return Text("string", "\"configmap\"");
        yield return Text("truncated", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"");
        yield return Text("trailing garbage", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}} }}");
        yield return Text("metadata is a number", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":5}");
        yield return Text("name is a number", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":5}}");
        yield return Text("labels is a list", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"labels\":[1]}}");
        yield return Text("label value is an object", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":{}}}}");
        yield return Text("annotations is a string", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"annotations\":\"a\"}}");
        yield return Text("data is a list", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":[1]}");
        yield return Text("data value is a number", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":{\"k\":1}}");
        yield return Text("kind is a number", "{\"apiVersion\":\"v1\",\"kind\":5,\"metadata\":{\"name\":\"x\"}}");
        yield return Text("apiVersion is an object", "{\"apiVersion\":{},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}");
        yield return Text("wrong kind", "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"}}");
        yield return Text("resourceVersion garbage", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"abc\"}}");
        yield return Text("finalizers is an object", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"finalizers\":{}}}");
        yield return Text("ownerReferences junk", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"ownerReferences\":[5,{\"uid\":3}]}}");
        yield return Text("huge number", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"generation\":1e999}}");
        yield return Text("deep json objects", Nested("{\"a\":", 100_000));
        yield return Text("deep json arrays", Nested("[", 1_000_000));
        yield return Text("deep yaml", "a: " + Nested("[", 1_000_000), "application/yaml");
        yield return Text("deep yaml blocks", string.Concat(Enumerable.Range(0, 5000).Select(i => new string(' ', i) + "a:\n")), "application/yaml");
        yield return Text("alias bomb", InputBoundsTests.AliasBomb(), "application/yaml");
        yield return Text("yaml tags", "!!binary x: !!python/object:os.system y", "application/yaml");
        yield return Text("yaml multi doc junk", "---\n- a\n---\n: : :\n", "application/yaml");
        yield return Text("huge body", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":{\"k\":\"" + new string('x', 5 * 1024 * 1024) + "\"}}");
        yield return Text("2 MB object", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":{\"k\":\"" + new string('x', 2 * 1024 * 1024) + "\"}}");
        yield return Text("plain text", "name=x", "text/plain");
        yield return Text("form", "name=x", "application/x-www-form-urlencoded");
        yield return Text("unknown type", "{}", "application/unknown");
        yield return Text("garbage type", "{}", "@@@");
        yield return ("invalid utf-8", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], "application/json");
        yield return ("protobuf garbage", [0x6B, 0x38, 0x73, 0x00, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01], "application/vnd.kubernetes.protobuf");
        yield return ("protobuf without magic", [0x0A, 0x02, 0x76, 0x31], "application/vnd.kubernetes.protobuf");
        yield return ("cbor", [0xA1, 0x61, 0x61, 0x01], "application/cbor");
    }

    /// <summary>A valid ConfigMap with random bytes flipped, cut or duplicated: seeded, so a failure reproduces.</summary>
    private static IEnumerable<(string Name, byte[] Body, string Type)> Mutated(int count)
    {
        var random = new Random(1);
        var valid = Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"m\",\"labels\":{\"a\":\"b\"},\"annotations\":{\"c\":\"d\"}},\"data\":{\"k\":\"v\"}}");
        for (var i = 0; i < count; i++)
        {
            var body = valid.ToList();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(body.Count);
                switch (random.Next(3))
                {
                    case 0:
                        body[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        body.RemoveRange(at, random.Next(1, Math.Min(10, body.Count - at) + 1));
                        break;
                    default:
                        body.InsertRange(at, body.Skip(random.Next(body.Count)).Take(random.Next(1, 20)).ToList());
                        break;
                }
            }

            yield return ($"mutation {i}", body.ToArray(), i % 3 == 0 ? "application/yaml" : "application/json");
        }
    }

    [Fact]
    public async Task Bad_bodies_at_every_verb_get_4xx_never_5xx_and_the_server_stays_up_with_bounded_memory()
    {
        var port = CliProcess.FreePort();
        using var server = CliProcess.Start("apiserver", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", _dataDir);
        var stdout = server.StandardOutput.ReadToEndAsync();
        var stderr = server.StandardError.ReadToEndAsync();
        try
        {
            await CliProcess.WaitReadyAsync(server, port, stderr, TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            using (var seed = await http.PostAsync("/api/v1/namespaces/default/configmaps",
                new StringContent("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}", Encoding.UTF8, "application/json")))
            {
                seed.StatusCode.Should().Be(HttpStatusCode.Created);
            }

            (HttpMethod Method, string Path, string? ContentType)[] targets =
            [
                (HttpMethod.Post, "/api/v1/namespaces/default/configmaps", null),
                (HttpMethod.Put, "/api/v1/namespaces/default/configmaps/x", null),
                (HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/x", "application/merge-patch+json"),
                (HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/x", "application/json-patch+json"),
                (HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/x", "application/strategic-merge-patch+json"),
                (HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/x?fieldManager=fuzz", "application/apply-patch+yaml"),
                (HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/absent", null),
                (HttpMethod.Post, "/api/v1/namespaces", null),
                (HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", null),
            ];
            var failures = new List<string>();
            var answers = 0;
            foreach (var (name, body, type) in Crafted().Concat(Mutated(150)))
            {
                foreach (var (method, path, patchType) in targets)
                {
                    using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
                    // A large upload waits for the server's go-ahead, so a refusal arrives instead of a reset mid-upload.
                    request.Headers.ExpectContinue = body.Length > 1024 * 1024;
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", patchType is null || type != "application/json" && type != "application/yaml" ? type : patchType);
                    int code;
                    string lastMessage;
                    try
                    {
                        using var response = await http.SendAsync(request);
                        code = (int)response.StatusCode;
                        var text = await response.Content.ReadAsStringAsync();
                        lastMessage = text.Contains("\"message\":\"", StringComparison.Ordinal) ? text[(text.IndexOf("\"message\":\"", StringComparison.Ordinal) + 11)..] : "";
                        if (code >= 400 && !text.Contains("\"kind\":\"Status\"", StringComparison.Ordinal))
                        {
                            failures.Add($"{name} {method} {path}: {code} without a Status: {text[..Math.Min(200, text.Length)]}");
                        }
                    }
                    catch (HttpRequestException e)
                    {
                        failures.Add($"{name} {method} {path}: no answer ({e.Message})");
                        continue;
                    }

                    answers++;
                    if (code >= 500 && !(code == 500 && lastMessage.StartsWith("failed to create typed patch object", StringComparison.Ordinal)))
                    {
                        failures.Add($"{name} {method} {path}: {code}");
                    }
                }
            }

            server.HasExited.Should().BeFalse("the server survives every body");
            using (var health = await http.GetAsync("/healthz"))
            {
                health.StatusCode.Should().Be(HttpStatusCode.OK);
            }

            var peak = PeakResidentBytes(server.Id);
            output.WriteLine($"{answers} answers, {failures.Count} failures, server peak RSS {peak / (1024 * 1024)} MiB");
            failures.ForEach(output.WriteLine);
            failures.Should().BeEmpty();
            peak.Should().BeLessThan(PeakMemoryLimit, "bad bodies cost bounded memory");
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }

            await stdout;
        }
    }

    /// <summary>VmHWM of a process: the most resident memory it ever had.</summary>
    private static long PeakResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
