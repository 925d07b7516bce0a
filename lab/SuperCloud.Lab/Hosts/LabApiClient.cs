using System.Net;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Hosts;

/// <summary>The few API calls <c>up</c> makes on its own server, over HTTP like any client: install CRDs, create objects, read SuperNodes.</summary>
/// <param name="http">A client whose base address is the API server.</param>
/// <param name="time">The clock for polling deadlines.</param>
public sealed class LabApiClient(HttpClient http, TimeProvider time)
{
    /// <summary>Creates every CRD in <paramref name="directory"/> (<c>*.yaml</c>) and waits until each is Established.</summary>
    public async Task ApplyCrdsAsync(string directory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var crd = YamlJson.Parse(await File.ReadAllTextAsync(file, cancellationToken))?.AsObject()
                ?? throw new LabCommandException($"{file} holds no CustomResourceDefinition");
            names.Add(crd["metadata"]?["name"]?.GetValue<string>() ?? throw new LabCommandException($"{file}: the CRD has no metadata.name"));
            await CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd, cancellationToken);
        }

        if (names.Count == 0)
        {
            throw new LabCommandException($"no CRDs (*.yaml) in {directory}");
        }

        await UntilAsync(
            async ct =>
            {
                foreach (var name in names)
                {
                    var crd = await GetAsync($"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}", ct);
                    if (!HasCondition(crd, "Established", "True"))
                    {
                        return false;
                    }
                }

                return true;
            },
            timeout,
            "the SuperCloud CRDs are Established",
            cancellationToken);
    }

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> and returns the object as stored; one that already exists is left as it is and read.</summary>
    public async Task<JsonObject> CreateAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict && body["metadata"]?["name"]?.GetValue<string>() is { } name)
        {
            return (await GetAsync($"{path}/{name}", cancellationToken))?.AsObject() ?? throw new LabCommandException($"POST {path}: {name} exists but cannot be read");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new LabCommandException($"POST {path} failed with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
    }

    /// <summary>
    /// Creates every object of the YAML manifests in <paramref name="directory"/> (ServiceAccounts, RBAC, admission
    /// policies: the kinds a component's deploy manifests hold); objects that exist are left as they are.
    /// </summary>
    public async Task ApplyManifestsAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            foreach (var document in YamlJson.ParseAll(await File.ReadAllTextAsync(file, cancellationToken)))
            {
                var obj = document.AsObject();
                var ns = obj["metadata"]?["namespace"]?.GetValue<string>();
                var path = (obj["apiVersion"]?.GetValue<string>(), obj["kind"]?.GetValue<string>()) switch
                {
                    ("v1", "ServiceAccount") => $"/api/v1/namespaces/{ns}/serviceaccounts",
                    ("rbac.authorization.k8s.io/v1", "ClusterRole") => "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                    ("rbac.authorization.k8s.io/v1", "Role") => $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
                    ("rbac.authorization.k8s.io/v1", "RoleBinding") => $"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
                    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy") => "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
                    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding") => "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
                    var (apiVersion, kind) => throw new LabCommandException($"{file}: the lab does not install {kind} ({apiVersion}) objects"),
                };
                await CreateAsync(path, obj, cancellationToken);
            }
        }
    }

    /// <summary>A token for ServiceAccount <paramref name="account"/> from the TokenRequest API, bound to <paramref name="boundTo"/> (kind, name, uid) when given.</summary>
    public async Task<string> RequestTokenAsync(string ns, string account, (string Kind, string Name, string Uid)? boundTo, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var spec = new JsonObject { ["expirationSeconds"] = (long)lifetime.TotalSeconds };
        if (boundTo is var (kind, name, uid))
        {
            spec["boundObjectRef"] = new JsonObject { ["kind"] = kind, ["apiVersion"] = "v1", ["name"] = name, ["uid"] = uid };
        }

        var response = await CreateAsync($"/api/v1/namespaces/{ns}/serviceaccounts/{account}/token", new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenRequest", ["spec"] = spec,
        }, cancellationToken);
        return response["status"]?["token"]?.GetValue<string>() ?? throw new LabCommandException($"the TokenRequest for {ns}/{account} returned no token");
    }

    /// <summary>Replaces the status of the object at <paramref name="path"/> (through its /status subresource).</summary>
    public async Task ReplaceStatusAsync(string path, JsonObject status, CancellationToken cancellationToken)
    {
        var current = (await GetAsync(path, cancellationToken))?.AsObject() ?? throw new LabCommandException($"{path} does not exist");
        current["status"] = status;
        using var response = await http.PutAsJsonAsync(path + "/status", current, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new LabCommandException($"PUT {path}/status failed with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>GETs <paramref name="path"/>; null when it is not found.</summary>
    public async Task<JsonNode?> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>The names of the SuperNodes whose Ready condition is True.</summary>
    public async Task<IReadOnlySet<string>> ReadyNodesAsync(CancellationToken cancellationToken)
    {
        var list = await GetAsync("/apis/supercloud.dev/v1alpha1/supernodes", cancellationToken);
        return (list?["items"]?.AsArray() ?? [])
            .Where(node => HasCondition(node, "Ready", "True"))
            .Select(node => node!["metadata"]!["name"]!.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds; throws naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = time.GetTimestamp();
        while (!await condition(cancellationToken))
        {
            if (time.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    }

    private static bool HasCondition(JsonNode? obj, string type, string status) =>
        (obj?["status"]?["conditions"]?.AsArray() ?? []).Any(c => c?["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == status);
}
