using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Tests.Lab;

/// <summary>A small custom resource with a status subresource, installed as a CRD in the lab server by the tests.</summary>
[KubernetesEntity(Group = "test.supercloud.dev", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "test.supercloud.dev/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Widget";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WidgetSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WidgetStatus? Status { get; set; }

    public static V1CustomResourceDefinition Definition() => new()
    {
        ApiVersion = "apiextensions.k8s.io/v1",
        Kind = "CustomResourceDefinition",
        Metadata = new V1ObjectMeta { Name = "widgets.test.supercloud.dev" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = "test.supercloud.dev",
            Scope = "Namespaced",
            Names = new V1CustomResourceDefinitionNames { Kind = "Widget", ListKind = "WidgetList", Plural = "widgets", Singular = "widget" },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Subresources = new V1CustomResourceSubresources { Status = new object() },
                    Schema = new V1CustomResourceValidation
                    {
                        OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true },
                    },
                },
            ],
        },
    };
}
