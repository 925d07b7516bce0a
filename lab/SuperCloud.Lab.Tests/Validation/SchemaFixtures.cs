using System.Text.Json.Nodes;

namespace SuperCloud.Lab.Tests.Validation;

internal static class SchemaFixtures
{
    public const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>A SuperPod-like schema exercising most keywords.</summary>
    public static JsonObject SuperPod() => Parse("""
    {
      "type": "object",
      "description": "A nested VM.",
      "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
          "type": "object",
          "description": "Desired state.",
          "required": ["resources"],
          "x-kubernetes-validations": [{"rule": "!has(self.hostname) || self.hostname != 'localhost'", "message": "hostname must not be localhost"}],
          "properties": {
            "resources": {
              "type": "object",
              "required": ["cpu"],
              "properties": {
                "cpu": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 64},
                "memory": {"x-kubernetes-int-or-string": true, "pattern": "QUANTITY_PATTERN"}
              }
            },
            "runStrategy": {"type": "string", "enum": ["Always", "Halted", "Manual"], "default": "Always"},
            "hostname": {"type": "string", "minLength": 2, "maxLength": 10, "pattern": "^[a-z0-9-]+$"},
            "weight": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1},
            "startAfter": {"type": "string", "format": "date-time"},
            "placement": {
              "type": "object",
              "default": {},
              "properties": {
                "spot": {"type": "string", "enum": ["Allowed", "Required", "Forbidden"], "default": "Allowed"},
                "maxPrice": {"type": "string", "nullable": true}
              }
            },
            "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set", "maxItems": 3},
            "networks": {
              "type": "array",
              "minItems": 1,
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["name"],
              "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                  "name": {"type": "string"},
                  "ip": {"type": "string", "format": "ipv4"},
                  "mtu": {"type": "integer", "default": 1500}
                }
              }
            },
            "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 5}},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"known": {"type": "string"}}},
            "template": {
              "type": "object",
              "x-kubernetes-embedded-resource": true,
              "properties": {"spec": {"type": "object", "properties": {"image": {"type": "string"}}}}
            }
          }
        },
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}}
      }
    }
    """.Replace("QUANTITY_PATTERN", QuantityPattern.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal));

    public static JsonObject Object(string specJson) =>
        Parse("""{"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperPod", "metadata": {"name": "web-1", "namespace": "default"}, "spec": """ + specJson + "}");

    /// <summary>A root schema with only a spec of the given properties JSON and optional rules on spec.</summary>
    public static JsonObject WithSpec(string specPropertiesJson, string specRulesJson = "[]", string extraSpecKeywords = "") => Parse($$"""
    {
      "type": "object",
      "properties": {
        "spec": {
          "type": "object",
          {{extraSpecKeywords}}
          "x-kubernetes-validations": {{specRulesJson}},
          "properties": {{specPropertiesJson}}
        }
      }
    }
    """);
}
