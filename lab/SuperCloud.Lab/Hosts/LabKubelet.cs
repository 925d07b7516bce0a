using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// Runs workloads installed into the lab's API server (the Helm chart's operator Deployment and node agent DaemonSet) on
/// the lab's hosts, as a kubelet would: a Pod object per replica (per host for a DaemonSet, bound with spec.nodeName),
/// its volumes materialized from the API — Secrets and ConfigMaps, a ServiceAccount token from the TokenRequest API bound
/// to the Pod (so it carries the node's name), the downward API, hostPaths under the host's own root — and its
/// container's environment from the template (values, $(VAR) expansion, fieldRefs). The product executable stands for
/// the container image. Processes have no container file system: paths in the environment that lie under a volume's
/// mountPath are pointed at the materialized volume, and the API credentials of the ServiceAccount volume are handed
/// over as a kubeconfig (KUBECONFIG) instead of the well-known in-cluster path. Containers are not restarted.
/// </summary>
/// <param name="api">The lab's API client (administrator).</param>
/// <param name="topology">Hosts and addresses.</param>
/// <param name="paths">Where pods keep their files.</param>
/// <param name="executables">The product executables standing for the images.</param>
/// <param name="processes">Starts processes.</param>
/// <param name="store">Records the started processes.</param>
/// <param name="hostsServer">The API server's TLS address for processes in hosts' namespaces.</param>
/// <param name="rootServer">The API server's TLS address for processes in the root namespace.</param>
public sealed partial class LabKubelet(
    LabApiClient api, LabTopology topology, LabPaths paths, LabExecutables executables, LabProcesses processes, LabStateStore store,
    Uri hostsServer, Uri rootServer)
{
    private const string ServiceAccountMount = "/var/run/secrets/kubernetes.io/serviceaccount";
    private static readonly TimeSpan KubeconfigTokenLifetime = TimeSpan.FromDays(30);

    /// <summary>Runs one pod of DaemonSet <paramref name="name"/> on every host; returns the processes' names.</summary>
    public async Task<IReadOnlyList<string>> RunDaemonSetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var daemonSet = await api.GetAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}", cancellationToken)
            ?? throw new LabCommandException($"DaemonSet {ns}/{name} does not exist");
        var started = new List<string>();
        foreach (var host in topology.Hosts)
        {
            started.Add(await RunPodAsync(ns, $"{name}-{host.Name}", daemonSet.AsObject(), "DaemonSet", host, cancellationToken));
        }

        var count = topology.Hosts.Count;
        await api.ReplaceStatusAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}", new JsonObject
        {
            ["observedGeneration"] = daemonSet["metadata"]?["generation"]?.DeepClone(),
            ["desiredNumberScheduled"] = count, ["currentNumberScheduled"] = count, ["numberReady"] = count,
            ["updatedNumberScheduled"] = count, ["numberAvailable"] = count, ["numberMisscheduled"] = 0,
        }, cancellationToken);
        return started;
    }

    /// <summary>Runs one pod of Deployment <paramref name="name"/> in the root namespace; returns the process's name.</summary>
    public async Task<string> RunDeploymentAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var deployment = await api.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/{name}", cancellationToken)
            ?? throw new LabCommandException($"Deployment {ns}/{name} does not exist");
        var started = await RunPodAsync(ns, $"{name}-lab", deployment.AsObject(), "Deployment", null, cancellationToken);
        await api.ReplaceStatusAsync($"/apis/apps/v1/namespaces/{ns}/deployments/{name}", new JsonObject
        {
            ["observedGeneration"] = deployment["metadata"]?["generation"]?.DeepClone(),
            ["replicas"] = 1, ["updatedReplicas"] = 1, ["readyReplicas"] = 1, ["availableReplicas"] = 1,
        }, cancellationToken);
        return started;
    }

    private async Task<string> RunPodAsync(string ns, string podName, JsonObject owner, string ownerKind, LabHost? host, CancellationToken cancellationToken)
    {
        var template = owner["spec"]?["template"]?.AsObject() ?? throw new LabCommandException($"{ownerKind} {ns}/{Json(owner, "metadata", "name")} has no pod template");
        var spec = template["spec"]!.DeepClone().AsObject();
        if (host is not null)
        {
            spec["nodeName"] = host.Name;
        }

        var pod = await api.CreateAsync($"/api/v1/namespaces/{ns}/pods", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = podName,
                ["namespace"] = ns,
                ["labels"] = template["metadata"]?["labels"]?.DeepClone(),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1", ["kind"] = ownerKind, ["name"] = Json(owner, "metadata", "name"),
                    ["uid"] = Json(owner, "metadata", "uid"), ["controller"] = true,
                }),
            },
            ["spec"] = spec,
        }, cancellationToken);

        var directory = paths.Pod(podName);
        var hostIp = host?.Ip ?? topology.Subnet.ManagementIp;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metadata.name"] = podName,
            ["metadata.namespace"] = ns,
            ["metadata.uid"] = Json(pod, "metadata", "uid"),
            ["spec.nodeName"] = host?.Name ?? "",
            ["spec.serviceAccountName"] = spec["serviceAccountName"]?.GetValue<string>() ?? "default",
            ["status.hostIP"] = hostIp,
            ["status.podIP"] = hostIp,
        };
        var container = (spec["containers"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()
            ?? throw new LabCommandException($"pod {ns}/{podName} has no container");
        AutomountServiceAccountToken(spec, container);
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            volumes[volume["name"]!.GetValue<string>()] = await MaterializeAsync(ns, pod, volume, directory, host, fields, cancellationToken);
        }

        var mounts = (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(m => (Path: m["mountPath"]!.GetValue<string>().TrimEnd('/'), Source: volumes[m["name"]!.GetValue<string>()]))
            .OrderByDescending(m => m.Path.Length)
            .ToList();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var value = variable["value"]?.GetValue<string>() is { } literal
                ? Expand(literal, environment)
                : variable["valueFrom"]?["fieldRef"]?["fieldPath"]?.GetValue<string>() is { } field
                    ? fields.GetValueOrDefault(field) ?? throw new LabCommandException($"pod {ns}/{podName}: the lab does not provide fieldRef {field}")
                    : throw new LabCommandException($"pod {ns}/{podName}: env {variable["name"]} uses a source the lab does not provide");
            environment[variable["name"]!.GetValue<string>()] = Remap(value, mounts);
        }

        if (mounts.FirstOrDefault(m => m.Path == ServiceAccountMount) is { Source: { } credentials })
        {
            // A kubeconfig is read once, where a kubelet would rotate the mounted token: this token, bound to the same pod
            // (and so to its node), lasts as long as the lab instead of an hour.
            var token = await api.RequestTokenAsync(ns, fields["spec.serviceAccountName"], ("Pod", podName, fields["metadata.uid"]), KubeconfigTokenLifetime, cancellationToken);
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            PrivateFile.Write(kubeconfig, Kubeconfig(host is null ? rootServer : hostsServer, Path.Combine(credentials, "ca.crt"), token));
            environment["KUBECONFIG"] = kubeconfig;
        }

        var image = container["image"]?.GetValue<string>() ?? "";
        var executable = Executable(image);
        var args = (container["command"] as JsonArray ?? []).Skip(1).Concat(container["args"] as JsonArray ?? [])
            .Select(a => Expand(a!.GetValue<string>(), environment)).ToList();
        var processName = $"pod/{ns}/{podName}";
        var netns = host is not null && spec["hostNetwork"]?.GetValue<bool>() == true ? host.Namespace : null;
        if (host is not null && netns is null)
        {
            throw new LabCommandException($"pod {ns}/{podName}: the lab runs node pods only with hostNetwork");
        }

        var process = processes.StartDetached(processName, executable, args, [], netns, Path.Combine(directory, "container.log"), environment);
        await store.UpdateAsync(s => s.Processes[processName] = process, cancellationToken);
        var started = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await api.ReplaceStatusAsync($"/api/v1/namespaces/{ns}/pods/{podName}", new JsonObject
        {
            ["phase"] = "Running",
            ["hostIP"] = hostIp,
            ["podIP"] = hostIp,
            ["startTime"] = started,
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = container["name"]?.GetValue<string>(),
                ["image"] = image,
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
            }),
        }, cancellationToken);
        return processName;
    }

    // The ServiceAccount admission plugin's automount: the token, the API server's CA and the namespace at the
    // well-known path, unless the pod opts out or mounts something there itself.
    private static void AutomountServiceAccountToken(JsonObject spec, JsonObject container)
    {
        var mounts = container["volumeMounts"] as JsonArray ?? [];
        if (spec["automountServiceAccountToken"]?.GetValue<bool>() == false
            || mounts.OfType<JsonObject>().Any(m => m["mountPath"]?.GetValue<string>()?.TrimEnd('/') == ServiceAccountMount))
        {
            return;
        }

        var volumes = spec["volumes"] as JsonArray ?? [];
        volumes.Add(new JsonObject
        {
            ["name"] = "kube-api-access",
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray(
                    new JsonObject { ["serviceAccountToken"] = new JsonObject { ["path"] = "token", ["expirationSeconds"] = 3607 } },
                    new JsonObject { ["configMap"] = new JsonObject { ["name"] = "kube-root-ca.crt", ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }) } },
                    new JsonObject { ["downwardAPI"] = new JsonObject { ["items"] = new JsonArray(new JsonObject { ["path"] = "namespace", ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.namespace" } }) } }),
            },
        });
        spec["volumes"] = volumes;
        mounts.Add(new JsonObject { ["name"] = "kube-api-access", ["mountPath"] = ServiceAccountMount, ["readOnly"] = true });
        container["volumeMounts"] = mounts;
    }

    private async Task<string> MaterializeAsync(
        string ns, JsonObject pod, JsonObject volume, string podDirectory, LabHost? host, Dictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var name = volume["name"]!.GetValue<string>();
        if (volume["hostPath"]?["path"]?.GetValue<string>() is { } hostPath)
        {
            // Devices and sockets are the machine's; directories are the host's own, under its root.
            if (volume["hostPath"]?["type"]?.GetValue<string>() is "CharDevice" or "BlockDevice" or "Socket" || host is null)
            {
                return hostPath;
            }

            var root = topology.HostRootAlias(host);
            var mapped = root + hostPath;
            Directory.CreateDirectory(mapped);
            return mapped;
        }

        var directory = Path.Combine(podDirectory, "volumes", name);
        Directory.CreateDirectory(directory);
        if (volume["emptyDir"] is not null)
        {
            return directory;
        }

        IEnumerable<JsonObject> sources = volume["projected"]?["sources"] is JsonArray projected
            ? projected.OfType<JsonObject>()
            : [volume];
        foreach (var source in sources)
        {
            if (source["secret"] is JsonObject secret)
            {
                var secretName = (secret["name"] ?? secret["secretName"])!.GetValue<string>();
                var data = (await api.GetAsync($"/api/v1/namespaces/{ns}/secrets/{secretName}", cancellationToken))?["data"]?.AsObject()
                    ?? throw new LabCommandException($"volume {name}: Secret {ns}/{secretName} does not exist");
                WriteItems(directory, secret, data.ToDictionary(d => d.Key, d => Convert.FromBase64String(d.Value!.GetValue<string>())));
            }
            else if (source["configMap"] is JsonObject configMap)
            {
                var configMapName = configMap["name"]!.GetValue<string>();
                var data = (await api.GetAsync($"/api/v1/namespaces/{ns}/configmaps/{configMapName}", cancellationToken))?["data"]?.AsObject()
                    ?? throw new LabCommandException($"volume {name}: ConfigMap {ns}/{configMapName} does not exist");
                WriteItems(directory, configMap, data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value!.GetValue<string>())));
            }
            else if (source["serviceAccountToken"] is JsonObject token)
            {
                var seconds = ApiServer.Json.Long(token["expirationSeconds"]) ?? 3600;
                var value = await api.RequestTokenAsync(ns, fields["spec.serviceAccountName"], ("Pod", Json(pod, "metadata", "name"), Json(pod, "metadata", "uid")),
                    TimeSpan.FromSeconds(seconds), cancellationToken);
                PrivateFile.Write(Path.Combine(directory, token["path"]!.GetValue<string>()), value);
            }
            else if (source["downwardAPI"] is JsonObject downward)
            {
                foreach (var item in (downward["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var field = item["fieldRef"]?["fieldPath"]?.GetValue<string>() ?? "";
                    await File.WriteAllTextAsync(Path.Combine(directory, item["path"]!.GetValue<string>()),
                        fields.GetValueOrDefault(field) ?? throw new LabCommandException($"volume {name}: the lab does not provide fieldRef {field}"), cancellationToken);
                }
            }
            else if (volume["projected"] is not null || source == volume)
            {
                throw new LabCommandException($"volume {name} of pod {ns}/{Json(pod, "metadata", "name")}: the lab does not provide this kind of volume");
            }
        }

        return directory;
    }

    private static void WriteItems(string directory, JsonObject source, Dictionary<string, byte[]> data)
    {
        var items = (source["items"] as JsonArray)?.OfType<JsonObject>()
            .Select(i => (Key: i["key"]!.GetValue<string>(), Path: i["path"]!.GetValue<string>(), Mode: (int?)ApiServer.Json.Long(i["mode"])))
            .ToList() ?? [.. data.Keys.Select(k => (Key: k, Path: k, Mode: (int?)null))];
        var defaultMode = (int?)ApiServer.Json.Long(source["defaultMode"]);
        foreach (var (key, path, mode) in items)
        {
            var bytes = data.GetValueOrDefault(key) ?? throw new LabCommandException($"key {key} is missing");
            var target = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if ((mode ?? defaultMode ?? 420) is var m && (m & 0x3F) == 0)
            {
                PrivateFile.Write(target, Encoding.UTF8.GetString(bytes));
            }
            else
            {
                File.WriteAllBytes(target, bytes);
            }
        }
    }

    private static string Kubeconfig(Uri server, string caFile, string token) => string.Join('\n',
    [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: in-cluster",
        "  cluster:",
        "    server: " + server.GetLeftPart(UriPartial.Authority),
        "    certificate-authority: " + caFile,
        "users:",
        "- name: service-account",
        "  user:",
        "    token: " + token,
        "contexts:",
        "- name: in-cluster",
        "  context:",
        "    cluster: in-cluster",
        "    user: service-account",
        "current-context: in-cluster",
        "",
    ]);

    private string Executable(string image)
    {
        var repository = image.Split('@')[0];
        var colon = repository.LastIndexOf(':');
        if (colon > repository.LastIndexOf('/'))
        {
            repository = repository[..colon];
        }

        return repository.Split('/')[^1] switch
        {
            "operator" => executables.Operator,
            "node-agent" => executables.NodeAgent,
            _ => throw new LabCommandException($"image {image}: the lab runs the SuperCloud images only (operator, node-agent)"),
        };
    }

    // $(VAR) refers to an earlier variable of the container; $$(VAR) escapes it; unknown references stay as written.
    private static string Expand(string value, Dictionary<string, string> environment) =>
        VariableReference().Replace(value, m => m.Value.StartsWith("$$", StringComparison.Ordinal)
            ? m.Value[1..]
            : environment.TryGetValue(m.Groups[1].Value, out var found) ? found : m.Value);

    private static string Remap(string value, List<(string Path, string Source)> mounts)
    {
        foreach (var (path, source) in mounts)
        {
            if (value == path || value.StartsWith(path + "/", StringComparison.Ordinal))
            {
                return source + value[path.Length..];
            }
        }

        return value;
    }

    private static string Json(JsonNode node, params string[] path)
    {
        JsonNode? current = node;
        foreach (var part in path)
        {
            current = current?[part];
        }

        return current?.GetValue<string>() ?? "";
    }

    [GeneratedRegex(@"\$?\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex VariableReference();
}
