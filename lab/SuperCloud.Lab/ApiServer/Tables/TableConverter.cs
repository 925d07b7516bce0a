using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Tables;

/// <summary>
/// Renders objects as a <c>meta.k8s.io/v1</c> Table, what <c>kubectl get</c> asks for with
/// <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>: CRDs by their additionalPrinterColumns (default
/// Name and Age), built-in kinds by kube's own printers.
/// </summary>
public static class TableConverter
{
    private const string AgeJsonPath = ".metadata.creationTimestamp";

    /// <summary>
    /// Builds the Table. <paramref name="includeObject"/> is <c>None</c>, <c>Metadata</c> (the default; rows carry a
    /// PartialObjectMetadata) or <c>Object</c> (rows carry the whole object). A single object (e.g. one watch event)
    /// is simply a one-element list.
    /// </summary>
    public static JsonObject ToTable(ApiResource resource, IReadOnlyList<JsonObject> objects, string? resourceVersion, string? continueToken,
        string includeObject, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(objects);
        var mode = NormalizeIncludeObject(includeObject);

        IReadOnlyList<TableColumn> columns;
        Func<JsonObject, DateTimeOffset, List<JsonNode?>> row;
        if (resource.Schema is not null || resource.PrinterColumns.Count > 0)
        {
            (columns, row) = CustomResourcePrinter(resource.PrinterColumns);
        }
        else if (resource.Group == "apiextensions.k8s.io" && resource.Kind == "CustomResourceDefinition")
        {
            (columns, row) = ([TableColumn.NameColumn, TableColumn.CreatedAtColumn], (o, _) => [o["metadata"]?["name"]?.GetValue<string>() ?? "", BuiltInPrinters.CreatedAt(o)]);
        }
        else
        {
            (columns, row) = BuiltInPrinters.For(resource.Group, resource.Kind);
        }

        var metadata = new JsonObject();
        if (!string.IsNullOrEmpty(resourceVersion))
        {
            metadata["resourceVersion"] = resourceVersion;
        }

        if (!string.IsNullOrEmpty(continueToken))
        {
            metadata["continue"] = continueToken;
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var r = new JsonObject { ["cells"] = new JsonArray(row(obj, now).ToArray()) };
            switch (mode)
            {
                case "Object":
                    r["object"] = obj.DeepClone();
                    break;
                case "Metadata":
                    r["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
                    };
                    break;
            }

            rows.Add(r);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode)c.ToJson()).ToArray()),
            ["rows"] = rows,
        };
    }

    private static string NormalizeIncludeObject(string? includeObject) => includeObject switch
    {
        null or "" or "Metadata" => "Metadata",
        "None" => "None",
        "Object" => "Object",
        _ => throw new StatusException(400, "BadRequest",
            $"includeObject: Unsupported value: {Validation.GoText.Quote(includeObject)}: supported values: \"Metadata\", \"None\", \"Object\""),
    };

    /// <summary>apiextensions-apiserver's table convertor: Name, then each printer column (Age when none are given).</summary>
    private static (IReadOnlyList<TableColumn>, Func<JsonObject, DateTimeOffset, List<JsonNode?>>) CustomResourcePrinter(IReadOnlyList<PrinterColumn> printerColumns)
    {
        var columns = printerColumns.Count > 0
            ? printerColumns
            : [new PrinterColumn("Age", "date", null, null, 0, AgeJsonPath)];
        var definitions = new List<TableColumn> { TableColumn.NameColumn };
        definitions.AddRange(columns.Select(c => new TableColumn(c.Name, c.Type, c.Format ?? "",
            string.IsNullOrEmpty(c.Description) ? $"Custom resource definition column (in JSONPath format): {c.JsonPath}" : c.Description, c.Priority)));
        return (definitions, (obj, now) =>
        {
            var cells = new List<JsonNode?> { obj["metadata"]?["name"]?.GetValue<string>() ?? "" };
            foreach (var column in columns)
            {
                cells.Add(SimpleJsonPath.TryEvaluate(obj, column.JsonPath, out var value) ? Cell(column.Type, value, now) : null);
            }

            return cells;
        });
    }

    /// <summary>kube's cellForJSONValue: typed cells, string columns printed as JSONPath prints them, dates as ages.</summary>
    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        var v = value as JsonValue;
        switch (type)
        {
            case "string":
                return v is not null && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
            case "integer":
                if (v is not null && Validation.JsonNumbers.TryGetDouble(v, out var i))
                {
                    return (long)i;
                }

                return null;
            case "number":
                return v is not null && Validation.JsonNumbers.TryGetDouble(v, out var d) ? d : null;
            case "boolean":
                return v is not null && v.TryGetValue<bool>(out var b) ? b : null;
            case "date":
                if (v is not null && v.TryGetValue<string>(out var text))
                {
                    return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                        ? HumanDuration.Format(now - t)
                        : "<invalid>";
                }

                return null;
            default:
                return null;
        }
    }
}
