using System.Text.Json.Nodes;
using k8s.Models;

namespace SuperCloud.Crds.Generator;

/// <summary>
/// Schemas of the Kubernetes types the API embeds, written the way controller-gen emits them, because
/// KubernetesClient's models carry neither required-field markers nor (at run time) their documentation.
/// </summary>
internal static class KnownSchemas
{
    /// <summary>Returns the schema for a Kubernetes model type, or null when the type is not one of ours to describe.</summary>
    public static JsonObject? For(Type type) => type switch
    {
        _ when type == typeof(V1Condition) => Condition(),
        _ when type == typeof(V1LabelSelector) => LabelSelector(),
        _ when type == typeof(V1Toleration) => Toleration(),
        _ when type == typeof(V1Taint) => Taint(),
        _ => null,
    };

    private static JsonObject Condition() => new()
    {
        ["description"] = "Condition contains details for one aspect of the current state of this API Resource.",
        ["properties"] = new JsonObject
        {
            ["lastTransitionTime"] = Prop("lastTransitionTime is the last time the condition transitioned from one status to another.", "string", format: "date-time"),
            ["message"] = Prop("message is a human readable message indicating details about the transition. This may be an empty string.", "string", maxLength: 32768),
            ["observedGeneration"] = new JsonObject
            {
                ["description"] = "observedGeneration represents the .metadata.generation that the condition was set based upon.",
                ["format"] = "int64",
                ["minimum"] = 0,
                ["type"] = "integer",
            },
            ["reason"] = Prop("reason contains a programmatic identifier indicating the reason for the condition's last transition, in CamelCase.", "string", maxLength: 1024, minLength: 1, pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"),
            ["status"] = new JsonObject
            {
                ["description"] = "status of the condition, one of True, False, Unknown.",
                ["enum"] = new JsonArray("True", "False", "Unknown"),
                ["type"] = "string",
            },
            ["type"] = Prop("type of condition in CamelCase or in foo.example.com/CamelCase, such as Ready.", "string", maxLength: 316, pattern: @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"),
        },
        ["required"] = new JsonArray("lastTransitionTime", "message", "reason", "status", "type"),
        ["type"] = "object",
    };

    private static JsonObject LabelSelector() => new()
    {
        ["description"] = "A label selector: the result of matchLabels and matchExpressions are ANDed; an empty selector matches all objects.",
        ["properties"] = new JsonObject
        {
            ["matchExpressions"] = new JsonObject
            {
                ["description"] = "matchExpressions is a list of label selector requirements. The requirements are ANDed.",
                ["items"] = new JsonObject
                {
                    ["description"] = "A label selector requirement: a key, an operator and values.",
                    ["properties"] = new JsonObject
                    {
                        ["key"] = Prop("key is the label key that the selector applies to.", "string"),
                        ["operator"] = Prop("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.", "string"),
                        ["values"] = new JsonObject
                        {
                            ["description"] = "values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.",
                            ["items"] = new JsonObject { ["type"] = "string" },
                            ["type"] = "array",
                            ["x-kubernetes-list-type"] = "atomic",
                        },
                    },
                    ["required"] = new JsonArray("key", "operator"),
                    ["type"] = "object",
                },
                ["type"] = "array",
                ["x-kubernetes-list-type"] = "atomic",
            },
            ["matchLabels"] = new JsonObject
            {
                ["additionalProperties"] = new JsonObject { ["type"] = "string" },
                ["description"] = "matchLabels is a map of {key,value} pairs; each is equivalent to a matchExpressions element with operator In and the single value.",
                ["type"] = "object",
            },
        },
        ["type"] = "object",
        ["x-kubernetes-map-type"] = "atomic",
    };

    private static JsonObject Toleration() => new()
    {
        ["description"] = "A toleration lets a SuperPod run on a SuperNode with a matching taint.",
        ["properties"] = new JsonObject
        {
            ["effect"] = Prop("effect indicates the taint effect to match. Empty means match all taint effects. When specified, allowed values are NoSchedule, PreferNoSchedule and NoExecute.", "string"),
            ["key"] = Prop("key is the taint key that the toleration applies to. Empty means match all taint keys; then the operator must be Exists.", "string"),
            ["operator"] = Prop("operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal.", "string"),
            ["tolerationSeconds"] = new JsonObject
            {
                ["description"] = "tolerationSeconds is how long a SuperPod tolerating a NoExecute taint stays before it is migrated away; unset means forever.",
                ["format"] = "int64",
                ["type"] = "integer",
            },
            ["value"] = Prop("value is the taint value the toleration matches to. If the operator is Exists, the value should be empty.", "string"),
        },
        ["type"] = "object",
    };

    private static JsonObject Taint() => new()
    {
        ["description"] = "A taint keeps SuperPods that do not tolerate it off a SuperNode.",
        ["properties"] = new JsonObject
        {
            ["effect"] = new JsonObject
            {
                ["description"] = "The effect of the taint on SuperPods that do not tolerate it.",
                ["enum"] = new JsonArray("NoSchedule", "PreferNoSchedule", "NoExecute"),
                ["type"] = "string",
            },
            ["key"] = Prop("The taint key to be applied to a node.", "string"),
            ["timeAdded"] = Prop("TimeAdded represents the time at which the taint was added.", "string", format: "date-time"),
            ["value"] = Prop("The taint value corresponding to the taint key.", "string"),
        },
        ["required"] = new JsonArray("effect", "key"),
        ["type"] = "object",
    };

    private static JsonObject Prop(string description, string type, string? format = null, int? maxLength = null, int? minLength = null, string? pattern = null)
    {
        var schema = new JsonObject { ["description"] = description };
        if (format is not null)
        {
            schema["format"] = format;
        }

        if (maxLength is not null)
        {
            schema["maxLength"] = maxLength;
        }

        if (minLength is not null)
        {
            schema["minLength"] = minLength;
        }

        if (pattern is not null)
        {
            schema["pattern"] = pattern;
        }

        schema["type"] = type;
        return schema;
    }
}
