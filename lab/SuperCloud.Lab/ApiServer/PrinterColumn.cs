namespace SuperCloud.Lab.ApiServer;

/// <summary>An additional printer column of a CRD version, as in <c>additionalPrinterColumns</c>.</summary>
/// <param name="Name">Column header.</param>
/// <param name="Type">OpenAPI type: integer, number, string, boolean or date.</param>
/// <param name="Format">Optional OpenAPI format.</param>
/// <param name="Description">Human-readable description.</param>
/// <param name="Priority">0 for the default view; higher only with <c>-o wide</c>.</param>
/// <param name="JsonPath">Simple JSONPath evaluated against each object, e.g. <c>.status.phase</c>.</param>
public sealed record PrinterColumn(string Name, string Type, string? Format, string? Description, int Priority, string JsonPath);
