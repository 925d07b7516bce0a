using System.Reflection;
using System.Text.Json.Nodes;
using k8s.Models;
using SuperCloud.Crds.Schema;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Crds.Generator;

/// <summary>Turns the <c>[KubernetesEntity]</c> types of SuperCloud.Crds into apiextensions.k8s.io/v1 CustomResourceDefinitions.</summary>
internal static class CrdGenerator
{
    /// <summary>The command that regenerates the files, named in each file's header.</summary>
    public const string Command = "make manifests (dotnet run --project crds/SuperCloud.Crds.Generator -- --out crds/generated)";

    /// <summary>The root types of every kind, in the order their CRDs are generated.</summary>
    public static IReadOnlyList<Type> Kinds { get; } =
        [.. typeof(SuperCloudApi).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<KubernetesEntityAttribute>() is not null && t.GetInterfaces().Any(IsSpec))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];

    /// <summary>Generates one CRD per kind, sorted by file name.</summary>
    public static IReadOnlyList<GeneratedCrd> Generate()
    {
        var builder = new SchemaBuilder(XmlDocs.For(typeof(SuperCloudApi).Assembly));
        return [.. Kinds.Select(kind => Generate(kind, builder)).OrderBy(c => c.FileName, StringComparer.Ordinal)];
    }

    private static GeneratedCrd Generate(Type kind, SchemaBuilder builder)
    {
        var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>()!;
        var header = $"# Generated from the C# types in crds/SuperCloud.Crds by SuperCloud.Crds.Generator; do not edit.\n# Regenerate with: {Command}\n";
        return new GeneratedCrd($"{entity.Group}_{entity.PluralName}.yaml", header + YamlWriter.Write(BuildCrd(kind, builder)));
    }

    private static JsonObject BuildCrd(Type kind, SchemaBuilder builder)
    {
        var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{kind.Name} has no [KubernetesEntity]", nameof(kind));
        var names = new JsonObject();
        if (kind.GetCustomAttribute<CategoriesAttribute>() is { } categories)
        {
            names["categories"] = Strings(categories.Names);
        }

        names["kind"] = entity.Kind;
        names["listKind"] = entity.Kind + "List";
        names["plural"] = entity.PluralName;
        if (kind.GetCustomAttribute<ShortNamesAttribute>() is { } shortNames)
        {
            names["shortNames"] = Strings(shortNames.Names);
        }

        names["singular"] = entity.Kind.ToLowerInvariant();

        var version = new JsonObject { ["name"] = entity.ApiVersion };
        var columns = kind.GetCustomAttributes<PrinterColumnAttribute>().OrderBy(c => c.Order).ToList();
        if (columns.Count > 0)
        {
            version["additionalPrinterColumns"] = new JsonArray([.. columns.Select(Column)]);
        }

        version["schema"] = new JsonObject { ["openAPIV3Schema"] = RootSchema(kind, builder) };
        version["served"] = true;
        version["storage"] = true;
        version["subresources"] = new JsonObject { ["status"] = new JsonObject() };

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{entity.PluralName}.{entity.Group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = names,
                ["scope"] = kind.IsDefined(typeof(ClusterScopedAttribute)) ? "Cluster" : "Namespaced",
                ["versions"] = new JsonArray(version),
            },
        };
    }

    private static JsonObject RootSchema(Type kind, SchemaBuilder builder)
    {
        // The root object's apiVersion, kind and metadata are the API server's; describe them as controller-gen does.
        var schema = builder.ForObject(kind, RootFields);
        var properties = schema["properties"]!.AsObject();
        properties["apiVersion"] = new JsonObject
        {
            ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.",
            ["type"] = "string",
        };
        properties["kind"] = new JsonObject
        {
            ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.",
            ["type"] = "string",
        };
        properties["metadata"] = new JsonObject { ["type"] = "object" };
        var sorted = new JsonObject();
        foreach (var (name, value) in properties.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            properties.Remove(name);
            sorted[name] = value;
        }

        schema["properties"] = sorted;
        return schema;
    }

    private static readonly HashSet<string> RootFields = ["apiVersion", "kind", "metadata"];

    private static JsonObject Column(PrinterColumnAttribute column)
    {
        var node = new JsonObject();
        if (column.Description is not null)
        {
            node["description"] = column.Description;
        }

        node["jsonPath"] = column.JsonPath;
        node["name"] = column.Name;
        if (column.Priority != 0)
        {
            node["priority"] = column.Priority;
        }

        node["type"] = column.Type;
        return node;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);

    private static bool IsSpec(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ISpec<>);
}
