using System.Text.Json.Serialization;

namespace SuperCloud.Operator.Tests.Lab;

public sealed class WidgetSpec
{
    [JsonPropertyName("size")]
    public int Size { get; set; }
}
