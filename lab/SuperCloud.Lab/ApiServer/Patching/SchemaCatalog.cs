using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// Merge schemas: for built-in kinds a table of the list types and patch merge keys the Kubernetes Go types declare,
/// for custom resources the structural schema's <c>x-kubernetes-*</c> extensions.
/// </summary>
internal static class SchemaCatalog
{
    private static readonly JsonNode Tcp = JsonValue.Create("TCP");

    // Every write of a custom resource needs its merge schema (managed fields), and building it walks the whole OpenAPI
    // schema under the store's lock: about a twentieth of the server's CPU when operators write SuperPod status. A CRD
    // version's ApiResource holds a private copy of its schema that is never mutated (a changed CRD brings new
    // resources), so the schema instance identifies its content.
    private static readonly ConditionalWeakTable<JsonObject, SchemaType> CustomResources = new();

    private static SchemaType Obj(params (string Name, SchemaType Type)[] fields) => new()
    {
        Kind = SchemaKind.Object,
        FieldsAreNamed = true,
        Properties = fields.ToDictionary(f => f.Name, f => f.Type, StringComparer.Ordinal),
    };

    private static SchemaType StringMap(bool atomic = false) => new()
    {
        Kind = SchemaKind.Object,
        AdditionalProperties = SchemaType.Scalar,
        AtomicMap = atomic,
    };

    private static SchemaType Keyed(string mergeKey, string[] keys, SchemaType? item = null, bool withProtocolDefault = false) => new()
    {
        Kind = SchemaKind.List,
        ListKind = ListKind.Map,
        ListMapKeys = keys,
        Items = item ?? SchemaType.DeducedStruct,
        PatchStrategy = "merge",
        PatchMergeKey = mergeKey,
        KeyDefaults = withProtocolDefault
            ? new Dictionary<string, JsonNode>(StringComparer.Ordinal) { ["protocol"] = Tcp }
            : new Dictionary<string, JsonNode>(StringComparer.Ordinal),
    };

    // Lists the Go types merge by key in strategic merge patch but declare +listType=atomic for apply.
    private static SchemaType AtomicMergedByKey(string mergeKey) => new()
    {
        Kind = SchemaKind.List,
        ListKind = ListKind.Atomic,
        PatchStrategy = "merge",
        PatchMergeKey = mergeKey,
    };

    private static SchemaType AtomicList() => new() { Kind = SchemaKind.List, ListKind = ListKind.Atomic };

    private static SchemaType MergedSet() => new()
    {
        Kind = SchemaKind.List,
        ListKind = ListKind.Set,
        Items = SchemaType.Scalar,
        PatchStrategy = "merge",
    };

    private static readonly SchemaType Conditions = Keyed("type", ["type"]);

    /// <summary>metav1.ObjectMeta.</summary>
    public static readonly SchemaType ObjectMeta = Obj(
        ("labels", StringMap()),
        ("annotations", StringMap()),
        ("finalizers", MergedSet()),
        ("ownerReferences", Keyed("uid", ["uid"])),
        ("managedFields", AtomicList()));

    private static readonly SchemaType LabelSelector = Obj(
        ("matchLabels", StringMap()),
        ("matchExpressions", AtomicList()));

    private static readonly SchemaType Container = Obj(
        ("ports", Keyed("containerPort", ["containerPort", "protocol"], withProtocolDefault: true)),
        ("env", Keyed("name", ["name"])),
        ("volumeMounts", Keyed("mountPath", ["mountPath"])),
        ("volumeDevices", Keyed("devicePath", ["devicePath"])),
        ("resources", Obj(("claims", Keyed("name", ["name"])), ("limits", StringMap()), ("requests", StringMap()))),
        ("args", AtomicList()),
        ("command", AtomicList()),
        ("envFrom", AtomicList()));

    private static readonly SchemaType PodSpec = Obj(
        ("volumes", Keyed("name", ["name"])),
        ("containers", Keyed("name", ["name"], Container)),
        ("initContainers", Keyed("name", ["name"], Container)),
        ("ephemeralContainers", Keyed("name", ["name"], Container)),
        ("imagePullSecrets", Keyed("name", ["name"])),
        ("hostAliases", Keyed("ip", ["ip"])),
        ("tolerations", AtomicList()),
        ("topologySpreadConstraints", Keyed("topologyKey", ["topologyKey", "whenUnsatisfiable"])),
        ("resourceClaims", Keyed("name", ["name"])),
        ("schedulingGates", Keyed("name", ["name"])),
        ("readinessGates", AtomicList()),
        ("nodeSelector", StringMap(atomic: true)));

    private static readonly SchemaType PodTemplateSpec = Obj(("metadata", ObjectMeta), ("spec", PodSpec));

    private static readonly SchemaType WorkloadStatus = Obj(("conditions", Conditions));

    private static SchemaType Root(SchemaType? spec = null, SchemaType? status = null, params (string Name, SchemaType Type)[] extra)
    {
        var fields = new List<(string, SchemaType)>
        {
            ("apiVersion", SchemaType.Scalar),
            ("kind", SchemaType.Scalar),
            ("metadata", ObjectMeta),
            ("status", status ?? Obj(("conditions", Conditions))),
        };
        if (spec is not null)
        {
            fields.Add(("spec", spec));
        }

        fields.AddRange(extra);
        return Obj([.. fields]);
    }

    private static readonly SchemaType Generic = Root();

    private static readonly Dictionary<string, SchemaType> BuiltIns = new(StringComparer.Ordinal)
    {
        ["Pod"] = Root(PodSpec, Obj(
            ("conditions", Conditions),
            ("podIPs", Keyed("ip", ["ip"])),
            ("hostIPs", Keyed("ip", ["ip"])),
            ("containerStatuses", AtomicList()),
            ("initContainerStatuses", AtomicList()))),
        ["PodTemplate"] = Root(extra: ("template", PodTemplateSpec)),
        ["Deployment"] = Root(Obj(
            ("template", PodTemplateSpec),
            ("selector", LabelSelector),
            ("strategy", new SchemaType { Kind = SchemaKind.Object, FieldsAreNamed = true, PatchStrategy = "retainKeys" })), WorkloadStatus),
        ["DaemonSet"] = Root(Obj(("template", PodTemplateSpec), ("selector", LabelSelector)), WorkloadStatus),
        ["ReplicaSet"] = Root(Obj(("template", PodTemplateSpec), ("selector", LabelSelector)), WorkloadStatus),
        ["StatefulSet"] = Root(Obj(
            ("template", PodTemplateSpec),
            ("selector", LabelSelector),
            ("volumeClaimTemplates", AtomicList())), WorkloadStatus),
        ["ReplicationController"] = Root(Obj(("template", PodTemplateSpec), ("selector", StringMap(atomic: true))), WorkloadStatus),
        ["Job"] = Root(Obj(("template", PodTemplateSpec), ("selector", LabelSelector)), WorkloadStatus),
        ["CronJob"] = Root(Obj(("jobTemplate", Obj(("metadata", ObjectMeta), ("spec", Obj(("template", PodTemplateSpec), ("selector", LabelSelector)))))),
            Obj(("active", AtomicList()))),
        ["Service"] = Root(Obj(
            ("ports", Keyed("port", ["port", "protocol"], withProtocolDefault: true)),
            ("selector", StringMap(atomic: true)),
            ("externalIPs", AtomicList()),
            ("clusterIPs", AtomicList()),
            ("ipFamilies", AtomicList())), Obj(("conditions", Conditions), ("loadBalancer", Obj(("ingress", AtomicList()))))),
        ["Node"] = Root(Obj(
            ("podCIDRs", MergedSet()),
            ("taints", AtomicList())), Obj(
            ("conditions", Conditions),
            ("addresses", AtomicMergedByKey("type")),
            ("images", AtomicList()),
            ("volumesAttached", AtomicList()))),
        ["Namespace"] = Root(Obj(("finalizers", AtomicList())), Obj(("conditions", Conditions))),
        ["MutatingWebhookConfiguration"] = Root(extra: ("webhooks", Keyed("name", ["name"]))),
        ["ValidatingWebhookConfiguration"] = Root(extra: ("webhooks", Keyed("name", ["name"]))),
    };

    /// <summary>The schema of a built-in kind; kinds not in the table merge maps and replace lists.</summary>
    public static SchemaType ForBuiltIn(string kind) => BuiltIns.GetValueOrDefault(kind, Generic);

    private const string PodTemplateZero = """{"metadata":{},"spec":{"containers":null}}""";

    // The non-omitempty struct and list fields of each built-in kind's Go zero value. kube compares a create against
    // that zero value, so these fields count as already present (no "." marker for them in FieldsV1).
    private static readonly Dictionary<string, string> ZeroValues = new(StringComparer.Ordinal)
    {
        ["Pod"] = """{"spec":{"containers":null},"status":{}}""",
        ["PodTemplate"] = "{\"template\":" + PodTemplateZero + "}",
        ["Deployment"] = "{\"spec\":{\"selector\":null,\"template\":" + PodTemplateZero + ",\"strategy\":{}},\"status\":{}}",
        ["ReplicaSet"] = "{\"spec\":{\"selector\":null,\"template\":" + PodTemplateZero + "},\"status\":{}}",
        ["DaemonSet"] = "{\"spec\":{\"selector\":null,\"template\":" + PodTemplateZero + ",\"updateStrategy\":{}},\"status\":{}}",
        ["StatefulSet"] = "{\"spec\":{\"selector\":null,\"template\":" + PodTemplateZero + ",\"updateStrategy\":{}},\"status\":{}}",
        ["Job"] = "{\"spec\":{\"template\":" + PodTemplateZero + "},\"status\":{}}",
        ["CronJob"] = "{\"spec\":{\"jobTemplate\":{\"metadata\":{},\"spec\":{\"template\":" + PodTemplateZero + "}}},\"status\":{}}",
        ["ReplicationController"] = """{"spec":{},"status":{}}""",
        ["Service"] = """{"spec":{},"status":{"loadBalancer":{}}}""",
        ["Namespace"] = """{"spec":{},"status":{}}""",
        ["Node"] = """{"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{}},"nodeInfo":{}}}""",
        ["PersistentVolumeClaim"] = """{"spec":{"resources":{}},"status":{}}""",
        ["PersistentVolume"] = """{"spec":{},"status":{}}""",
        ["ResourceQuota"] = """{"spec":{},"status":{}}""",
        ["LimitRange"] = """{"spec":{"limits":null}}""",
        ["Lease"] = """{"spec":{}}""",
        ["CustomResourceDefinition"] = """{"spec":{"names":{},"versions":null},"status":{"acceptedNames":{},"storedVersions":null}}""",
        ["Ingress"] = """{"spec":{},"status":{"loadBalancer":{}}}""",
        ["IngressClass"] = """{"spec":{}}""",
        ["NetworkPolicy"] = """{"spec":{"podSelector":{}}}""",
        ["PodDisruptionBudget"] = """{"spec":{},"status":{}}""",
        ["HorizontalPodAutoscaler"] = """{"spec":{"scaleTargetRef":{}},"status":{}}""",
        ["Role"] = """{"rules":null}""",
        ["ClusterRole"] = """{"rules":null}""",
        ["RoleBinding"] = """{"roleRef":{}}""",
        ["ClusterRoleBinding"] = """{"roleRef":{}}""",
        ["Event"] = """{"involvedObject":{},"source":{}}""",
    };

    /// <summary>
    /// A copy of <paramref name="obj"/> (an empty object when null) with the fields a typed Go object of a built-in
    /// kind always has added where missing, so comparisons see what kube-apiserver's typed objects see.
    /// </summary>
    public static JsonObject WithZeroValue(JsonObject? obj, string kind, bool isCustomResource)
    {
        var result = obj is null ? [] : (JsonObject)obj.DeepClone();
        if (result["metadata"] is not JsonObject)
        {
            result["metadata"] = new JsonObject();
        }

        if (!isCustomResource && ZeroValues.TryGetValue(kind, out var json))
        {
            Fill(result, (JsonObject)Json.Parse(json)!);
        }

        return result;
    }

    private static void Fill(JsonObject target, JsonObject zero)
    {
        foreach (var (key, value) in zero)
        {
            if (!target.ContainsKey(key))
            {
                target[key] = JsonValues.Clone(value);
            }
            else if (target[key] is JsonObject t && value is JsonObject z)
            {
                Fill(t, z);
            }
        }
    }

    /// <summary>The merge schema of a resource: from the CRD's structural schema when given, else the built-in table.</summary>
    public static SchemaType For(string kind, JsonObject? openApiSchema) =>
        openApiSchema is null ? ForBuiltIn(kind) : CustomResources.GetValue(openApiSchema, ForCustomResource);

    private static SchemaType ForCustomResource(JsonObject openApiSchema)
    {
        var root = FromOpenApi(openApiSchema);
        var props = new Dictionary<string, SchemaType>(root.Properties, StringComparer.Ordinal)
        {
            ["apiVersion"] = SchemaType.Scalar,
            ["kind"] = SchemaType.Scalar,
            ["metadata"] = ObjectMeta,
        };
        return new SchemaType
        {
            Kind = SchemaKind.Object,
            FieldsAreNamed = true,
            Properties = props,
            AdditionalProperties = root.AdditionalProperties,
        };
    }

    /// <summary>Converts an OpenAPI v3 structural schema node.</summary>
    public static SchemaType FromOpenApi(JsonObject schema)
    {
        var type = schema["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? JsonValues.Text(t) : null;
        var preserveUnknown = IsTrue(schema["x-kubernetes-preserve-unknown-fields"]);
        if (IsTrue(schema["x-kubernetes-int-or-string"]))
        {
            return SchemaType.Scalar;
        }

        if (type == "array")
        {
            var items = schema["items"] is JsonObject itemSchema ? FromOpenApi(itemSchema) : SchemaType.DeducedMap;
            var listType = Str(schema["x-kubernetes-list-type"]);
            var keys = schema["x-kubernetes-list-map-keys"] is JsonArray k
                ? k.Select(x => x is null ? "" : JsonValues.Text(x)).ToList()
                : [];
            var defaults = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
            if (schema["items"]?["properties"] is JsonObject itemProps)
            {
                foreach (var key in keys)
                {
                    if (itemProps[key]?["default"] is { } d)
                    {
                        defaults[key] = d.DeepClone();
                    }
                }
            }

            return new SchemaType
            {
                Kind = SchemaKind.List,
                ListKind = listType switch { "set" => ListKind.Set, "map" => ListKind.Map, _ => ListKind.Atomic },
                ListMapKeys = keys,
                KeyDefaults = defaults,
                Items = items,
            };
        }

        if (type == "object" || schema["properties"] is JsonObject || schema["additionalProperties"] is not null ||
            IsTrue(schema["x-kubernetes-embedded-resource"]))
        {
            var props = new Dictionary<string, SchemaType>(StringComparer.Ordinal);
            if (schema["properties"] is JsonObject properties)
            {
                foreach (var (name, value) in properties)
                {
                    if (value is JsonObject propSchema)
                    {
                        props[name] = FromOpenApi(propSchema);
                    }
                }
            }

            if (IsTrue(schema["x-kubernetes-embedded-resource"]))
            {
                props.TryAdd("apiVersion", SchemaType.Scalar);
                props.TryAdd("kind", SchemaType.Scalar);
                props["metadata"] = ObjectMeta;
            }

            SchemaType? additional = schema["additionalProperties"] switch
            {
                JsonObject a => FromOpenApi(a),
                JsonValue v when v.GetValueKind() == JsonValueKind.True => SchemaType.DeducedMap,
                _ => preserveUnknown ? SchemaType.DeducedMap : null,
            };
            return new SchemaType
            {
                Kind = SchemaKind.Object,
                Properties = props,
                AdditionalProperties = additional,
                FieldsAreNamed = additional is null,
                AtomicMap = Str(schema["x-kubernetes-map-type"]) == "atomic",
            };
        }

        return type is null && preserveUnknown ? SchemaType.DeducedMap : SchemaType.Scalar;
    }

    private static bool IsTrue(JsonNode? node) => JsonValues.KindOf(node) == JsonValueKind.True;

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValues.Text(v) : null;
}
