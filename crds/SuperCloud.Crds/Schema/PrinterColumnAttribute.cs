namespace SuperCloud.Crds.Schema;

/// <summary>An additional printer column for <c>kubectl get</c>; columns keep their declaration order.</summary>
/// <param name="order">Position of the column; lower comes first.</param>
/// <param name="name">The column header.</param>
/// <param name="type">The OpenAPI type: string, integer, number, boolean or date.</param>
/// <param name="jsonPath">The JSON path of the value, such as <c>.status.phase</c>.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(int order, string name, string type, string jsonPath) : Attribute
{
    /// <summary>Position of the column; lower comes first.</summary>
    public int Order { get; } = order;

    /// <summary>The column header.</summary>
    public string Name { get; } = name;

    /// <summary>The OpenAPI type of the column.</summary>
    public string Type { get; } = type;

    /// <summary>The JSON path of the value.</summary>
    public string JsonPath { get; } = jsonPath;

    /// <summary>0 shows the column always; 1 only with <c>-o wide</c>.</summary>
    public int Priority { get; init; }

    /// <summary>A human readable description of the column.</summary>
    public string? Description { get; init; }
}
