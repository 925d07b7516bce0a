using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Tables;

/// <summary>Kube's server-side printers (pkg/printers/internalversion) for the built-in kinds the lab serves.</summary>
internal static class BuiltInPrinters
{
    private const string ContainersDescription = "Names of each container in the template.";
    private const string ImagesDescription = "Images referenced by each container in the template.";

    /// <summary>The columns and row function for a built-in kind; the default (Name, Created At) when kube has none.</summary>
    public static (IReadOnlyList<TableColumn> Columns, Func<JsonObject, DateTimeOffset, List<JsonNode?>> Row) For(string group, string kind) => (group, kind) switch
    {
        ("", "Namespace") => ([TableColumn.NameColumn, new("Status", "string", "", "The status of the namespace"), TableColumn.AgeColumn],
            (o, now) => [Name(o), Str(o, "status", "phase"), Age(o, now)]),
        ("", "ConfigMap") => ([TableColumn.NameColumn, new("Data", "string", "", "Data contains the configuration data."), TableColumn.AgeColumn],
            (o, now) => [Name(o), Count(o["data"]) + Count(o["binaryData"]), Age(o, now)]),
        ("", "Secret") => ([TableColumn.NameColumn, new("Type", "string", "", "Used to facilitate programmatic handling of secret data."),
                new("Data", "string", "", "Data contains the secret data."), TableColumn.AgeColumn],
            (o, now) => [Name(o), Str(o, "type"), Count(o["data"]), Age(o, now)]),
        ("", "ServiceAccount") => ([TableColumn.NameColumn, new("Secrets", "string", "", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), TableColumn.AgeColumn],
            (o, now) => [Name(o), Count(o["secrets"]), Age(o, now)]),
        ("", "Event") or ("events.k8s.io", "Event") => (EventColumns, (o, now) => EventRow(o, now, group.Length > 0)),
        ("coordination.k8s.io", "Lease") => ([TableColumn.NameColumn, new("Holder", "string", "", "holderIdentity contains the identity of the holder of a current lease."), TableColumn.AgeColumn],
            (o, now) => [Name(o), Str(o, "spec", "holderIdentity") ?? "", Age(o, now)]),
        ("", "Pod") => (PodColumns, PodRow),
        ("", "Node") => (NodeColumns, NodeRow),
        ("apps", "Deployment") => (DeploymentColumns, DeploymentRow),
        ("apps", "DaemonSet") => (DaemonSetColumns, DaemonSetRow),
        ("", "Service") => (ServiceColumns, ServiceRow),
        ("rbac.authorization.k8s.io", "ClusterRole") or ("rbac.authorization.k8s.io", "Role") => ([TableColumn.NameColumn, TableColumn.CreatedAtColumn],
            (o, _) => [Name(o), CreatedAt(o)]),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") or ("rbac.authorization.k8s.io", "RoleBinding") => (BindingColumns, BindingRow),
        ("certificates.k8s.io", "CertificateSigningRequest") => (CsrColumns, CsrRow),
        _ => ([TableColumn.NameColumn, TableColumn.CreatedAtColumn], (o, _) => [Name(o), CreatedAt(o)]),
    };

    private static readonly TableColumn[] EventColumns =
    [
        new("Last Seen", "string", "", "The time at which the most recent occurrence of this event was recorded."),
        new("Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future"),
        new("Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        new("Object", "string", "", "The object that this event is about."),
        new("Subobject", "string", "", "If the reference is to an object part, the path of the field within the object.", 1),
        new("Source", "string", "", "The component reporting this event. Should be a short machine understandable string.", 1),
        new("Message", "string", "", "A human-readable description of the status of this operation."),
        new("First Seen", "string", "", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        new("Count", "string", "", "The number of times this event has occurred.", 1),
        new("Name", "string", "name", TableColumn.NameDescription, 1),
    ];

    private static readonly TableColumn[] PodColumns =
    [
        TableColumn.NameColumn,
        new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "string", "", "The aggregate status of the containers in this pod."),
        new("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        TableColumn.AgeColumn,
        new("IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "string", "", "NodeName is a request to schedule this pod onto a specific node.", 1),
        new("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
        new("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
    ];

    private static readonly TableColumn[] NodeColumns =
    [
        TableColumn.NameColumn,
        new("Status", "string", "", "The status of the node"),
        new("Roles", "string", "", "The roles of the node"),
        TableColumn.AgeColumn,
        new("Version", "string", "", "Kubelet Version reported by the node."),
        new("Internal-IP", "string", "", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
        new("External-IP", "string", "", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
        new("OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        new("Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        new("Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    // printPod: Ready counts ready containers of the spec's containers; Status is the phase unless a container waits or
    // terminated with a reason, or the pod is being deleted (Terminating).
    private static List<JsonNode?> PodRow(JsonObject o, DateTimeOffset now)
    {
        var total = Count(o["spec"]?["containers"]);
        var statuses = (o["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var ready = statuses.Count(c => c["ready"] is JsonValue r && r.TryGetValue<bool>(out var b) && b);
        var restarts = statuses.Sum(c => Long(c, "restartCount") ?? 0);
        var reason = Str(o, "status", "reason") ?? Str(o, "status", "phase") ?? "Unknown";
        foreach (var container in statuses)
        {
            if (Str(container, "state", "waiting", "reason") is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (Str(container, "state", "terminated", "reason") is { Length: > 0 } terminated)
            {
                reason = terminated;
            }
        }

        if (Str(o, "metadata", "deletionTimestamp") is not null)
        {
            reason = "Terminating";
        }

        var ip = Str(o, "status", "podIP");
        var node = Str(o, "spec", "nodeName");
        var nominated = Str(o, "status", "nominatedNodeName");
        var gates = Count(o["spec"]?["readinessGates"]);
        return
        [
            Name(o), Invariant($"{ready}/{total}"), reason, Invariant($"{restarts}"), Age(o, now),
            string.IsNullOrEmpty(ip) ? "<none>" : ip, string.IsNullOrEmpty(node) ? "<none>" : node,
            string.IsNullOrEmpty(nominated) ? "<none>" : nominated, gates == 0 ? "<none>" : Invariant($"0/{gates}"),
        ];
    }

    // printNode: Ready/NotReady/Unknown from the Ready condition, SchedulingDisabled when cordoned; roles from
    // node-role.kubernetes.io/<role> labels.
    private static List<JsonNode?> NodeRow(JsonObject o, DateTimeOffset now)
    {
        var conditions = (o["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var readyCondition = conditions.FirstOrDefault(c => Str(c, "type") == "Ready");
        var status = readyCondition is null ? "Unknown" : Str(readyCondition, "status") == "True" ? "Ready" : "NotReady";
        if (o["spec"]?["unschedulable"] is JsonValue u && u.TryGetValue<bool>(out var cordoned) && cordoned)
        {
            status += ",SchedulingDisabled";
        }

        const string rolePrefix = "node-role.kubernetes.io/";
        var roles = (o["metadata"]?["labels"] as JsonObject ?? []).Select(l => l.Key)
            .Where(k => k.StartsWith(rolePrefix, StringComparison.Ordinal) && k.Length > rolePrefix.Length)
            .Select(k => k[rolePrefix.Length..]).Order(StringComparer.Ordinal).ToList();
        var addresses = (o["status"]?["addresses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        string Address(string type) => addresses.Where(a => Str(a, "type") == type).Select(a => Str(a, "address")).FirstOrDefault() ?? "<none>";
        string Info(string field) => Str(o, "status", "nodeInfo", field) is { Length: > 0 } value ? value : "<unknown>";
        return
        [
            Name(o), status, roles.Count == 0 ? "<none>" : string.Join(",", roles), Age(o, now),
            Str(o, "status", "nodeInfo", "kubeletVersion") ?? "", Address("InternalIP"), Address("ExternalIP"),
            Info("osImage"), Info("kernelVersion"), Info("containerRuntimeVersion"),
        ];
    }

    private static readonly TableColumn[] DeploymentColumns =
    [
        TableColumn.NameColumn,
        new("Ready", "string", "", "Number of the pod with ready state"),
        new("Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        new("Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        TableColumn.AgeColumn,
        new("Containers", "string", "", ContainersDescription, 1),
        new("Images", "string", "", ImagesDescription, 1),
        new("Selector", "string", "", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
    ];

    private static readonly TableColumn[] DaemonSetColumns =
    [
        TableColumn.NameColumn,
        new("Desired", "integer", "", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
        new("Current", "integer", "", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
        new("Ready", "integer", "", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
        new("Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod"),
        new("Available", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        new("Node Selector", "string", "", "NodeSelector is a selector which must be true for the pod to fit on a node."),
        TableColumn.AgeColumn,
        new("Containers", "string", "", ContainersDescription, 1),
        new("Images", "string", "", ImagesDescription, 1),
        new("Selector", "string", "", "A label query over pods that are managed by the daemon set.", 1),
    ];

    private static readonly TableColumn[] ServiceColumns =
    [
        TableColumn.NameColumn,
        new("Type", "string", "", "type determines how the Service is exposed."),
        new("Cluster-IP", "string", "", "clusterIP is the IP address of the service and is usually assigned randomly."),
        new("External-IP", "string", "", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        new("Port(s)", "string", "", "The list of ports that are exposed by this service."),
        TableColumn.AgeColumn,
        new("Selector", "string", "", "Route service traffic to pods with label keys and values matching this selector.", 1),
    ];

    private static readonly TableColumn[] BindingColumns =
    [
        TableColumn.NameColumn,
        new("Role", "string", "", "RoleRef can only reference the current namespace."),
        TableColumn.AgeColumn,
        new("Users", "string", "", "Users in the binding", 1),
        new("Groups", "string", "", "Groups in the binding", 1),
        new("ServiceAccounts", "string", "", "ServiceAccounts in the binding", 1),
    ];

    private static List<JsonNode?> EventRow(JsonObject o, DateTimeOffset now, bool eventsApi)
    {
        var first = Str(o, eventsApi ? "deprecatedFirstTimestamp" : "firstTimestamp") ?? Str(o, "eventTime") ?? Str(o, "metadata", "creationTimestamp");
        var last = Str(o, eventsApi ? "deprecatedLastTimestamp" : "lastTimestamp")
                   ?? Str(o, "series", "lastObservedTime") ?? Str(o, "eventTime") ?? first;
        var count = Long(o, eventsApi ? "deprecatedCount" : "count") ?? Long(o, "series", "count") ?? 1;
        var lastSeen = HumanDuration.Since(last, now);
        if (count > 1)
        {
            lastSeen = Invariant($"{lastSeen} (x{count} over {HumanDuration.Since(first, now)})");
        }

        var involved = o[eventsApi ? "regarding" : "involvedObject"] as JsonObject;
        var objectText = involved is null ? "" : $"{(Str(involved, "kind") ?? "").ToLowerInvariant()}/{Str(involved, "name")}";
        string source;
        if (eventsApi)
        {
            source = Str(o, "reportingController") ?? Str(o, "deprecatedSource", "component") ?? "";
        }
        else
        {
            var component = Str(o, "source", "component") ?? "";
            var host = Str(o, "source", "host") ?? "";
            source = host.Length > 0 ? $"{component}, {host}" : component;
        }

        return
        [
            lastSeen, Str(o, "type") ?? "", Str(o, "reason") ?? "", objectText, involved is null ? "" : Str(involved, "fieldPath") ?? "",
            source, Str(o, eventsApi ? "note" : "message") ?? "", HumanDuration.Since(first, now), count, Name(o),
        ];
    }

    private static List<JsonNode?> DeploymentRow(JsonObject o, DateTimeOffset now)
    {
        var desired = Long(o, "spec", "replicas") ?? 1;
        var containers = Containers(o);
        return
        [
            Name(o), Invariant($"{Long(o, "status", "readyReplicas") ?? 0}/{desired}"), Long(o, "status", "updatedReplicas") ?? 0,
            Long(o, "status", "availableReplicas") ?? 0, Age(o, now), containers.Names, containers.Images, Selector(o["spec"]?["selector"]),
        ];
    }

    private static List<JsonNode?> DaemonSetRow(JsonObject o, DateTimeOffset now)
    {
        var containers = Containers(o);
        return
        [
            Name(o), Long(o, "status", "desiredNumberScheduled") ?? 0, Long(o, "status", "currentNumberScheduled") ?? 0,
            Long(o, "status", "numberReady") ?? 0, Long(o, "status", "updatedNumberScheduled") ?? 0, Long(o, "status", "numberAvailable") ?? 0,
            Labels(o["spec"]?["template"]?["spec"]?["nodeSelector"] as JsonObject), Age(o, now), containers.Names, containers.Images,
            Selector(o["spec"]?["selector"]),
        ];
    }

    private static List<JsonNode?> ServiceRow(JsonObject o, DateTimeOffset now)
    {
        var type = Str(o, "spec", "type") ?? "ClusterIP";
        var clusterIp = Str(o, "spec", "clusterIP");
        var externalIps = Strings(o["spec"]?["externalIPs"]);
        string external = type switch
        {
            "ExternalName" => Str(o, "spec", "externalName") ?? "",
            "LoadBalancer" => LoadBalancerIps(o, externalIps),
            _ => externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>",
        };
        var ports = (o["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p =>
        {
            var protocol = Str(p, "protocol") ?? "TCP";
            var nodePort = Long(p, "nodePort");
            return nodePort is > 0 ? Invariant($"{Long(p, "port")}:{nodePort}/{protocol}") : Invariant($"{Long(p, "port")}/{protocol}");
        }).ToList();
        return
        [
            Name(o), type, string.IsNullOrEmpty(clusterIp) ? "<none>" : clusterIp, external,
            ports.Count == 0 ? "<none>" : string.Join(",", ports), Age(o, now), Labels(o["spec"]?["selector"] as JsonObject),
        ];
    }

    private static string LoadBalancerIps(JsonObject o, List<string> externalIps)
    {
        var ingress = (o["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(i => Str(i, "ip") ?? Str(i, "hostname")).OfType<string>().ToList();
        var all = ingress.Concat(externalIps).ToList();
        return all.Count == 0 ? "<pending>" : string.Join(",", all);
    }

    private static List<JsonNode?> BindingRow(JsonObject o, DateTimeOffset now)
    {
        var subjects = (o["subjects"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        string Join(string kind) => string.Join(", ", subjects.Where(s => Str(s, "kind") == kind).Select(s => kind == "ServiceAccount"
            ? $"{Str(s, "namespace")}:{Str(s, "name")}"
            : Str(s, "name")));
        return
        [
            Name(o), $"{Str(o, "roleRef", "kind")}/{Str(o, "roleRef", "name")}", Age(o, now),
            Join("User"), Join("Group"), Join("ServiceAccount"),
        ];
    }

    private static (string Names, string Images) Containers(JsonObject o)
    {
        var containers = (o["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return (string.Join(",", containers.Select(c => Str(c, "name"))), string.Join(",", containers.Select(c => Str(c, "image"))));
    }

    /// <summary>metav1.FormatLabelSelector: <c>app=web,tier in (a,b)</c>, <c>&lt;none&gt;</c> for empty.</summary>
    private static string Selector(JsonNode? selector)
    {
        if (selector is not JsonObject s)
        {
            return "<none>";
        }

        var parts = new List<string>();
        if (s["matchLabels"] is JsonObject labels)
        {
            parts.AddRange(labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value?.GetValue<string>()}"));
        }

        foreach (var expr in (s["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = Str(expr, "key");
            var values = string.Join(",", Strings(expr["values"]));
            parts.Add(Str(expr, "operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key ?? "",
                "DoesNotExist" => $"!{key}",
                var op => $"{key} {op} ({values})",
            });
        }

        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }

    private static string Labels(JsonObject? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(n => n?.ToString() ?? "").ToList();

    private static readonly TableColumn[] CsrColumns =
    [
        TableColumn.NameColumn,
        TableColumn.AgeColumn,
        new("SignerName", "string", "", "Name of the signer that should issue the certificate."),
        new("Requestor", "string", "", "Name of the user that created the request."),
        new("RequestedDuration", "string", "", "The requested lifetime of the certificate."),
        new("Condition", "string", "", "The current state of the request."),
    ];

    // kubectl get csr: conditions joined in order, "Issued" once a certificate is there, "Pending" when there is neither.
    private static List<JsonNode?> CsrRow(JsonObject o, DateTimeOffset now)
    {
        var conditions = (o["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Select(c => Str(c, "type") ?? "").ToList();
        if (Str(o, "status", "certificate") is { Length: > 0 })
        {
            conditions.Add("Issued");
        }

        var seconds = o["spec"]?["expirationSeconds"] is JsonValue v && v.TryGetValue<long>(out var s) ? (long?)s : null;
        var duration = seconds is { } secs ? HumanDuration.Format(TimeSpan.FromSeconds(secs)) : "<none>";
        return [Name(o), Age(o, now), Str(o, "spec", "signerName") ?? "", Str(o, "spec", "username") ?? "", duration,
            conditions.Count == 0 ? "Pending" : string.Join(",", conditions)];
    }

    private static string Name(JsonObject o) => Str(o, "metadata", "name") ?? "";

    private static string Age(JsonObject o, DateTimeOffset now) => HumanDuration.Since(Str(o, "metadata", "creationTimestamp"), now);

    /// <summary>The default convertor's Created At cell: the creation time in RFC 3339 UTC.</summary>
    public static string CreatedAt(JsonObject o) =>
        DateTimeOffset.TryParse(Str(o, "metadata", "creationTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "0001-01-01T00:00:00Z";

    private static long Count(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Count,
        JsonArray array => array.Count,
        _ => 0,
    };

    private static string? Str(JsonObject o, params string[] path)
    {
        JsonNode? n = o;
        foreach (var p in path)
        {
            n = n is JsonObject obj ? obj[p] : null;
        }

        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    private static long? Long(JsonObject o, params string[] path)
    {
        JsonNode? n = o;
        foreach (var p in path)
        {
            n = n is JsonObject obj ? obj[p] : null;
        }

        return n is JsonValue v && Validation.JsonNumbers.TryGetLong(v, out var l) ? l : null;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
