using System.Text.Json.Nodes;

namespace SuperCloud.Crds.Tests.Validation;

/// <summary>The checked-in CRDs of crds/generated, by kind, as the API server would have them installed.</summary>
internal static class CrdCatalog
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonObject>> ByKind = new(Load);

    public static IReadOnlyDictionary<string, JsonObject> All => ByKind.Value;

    /// <summary>The openAPIV3Schema of a kind; throws for a kind without a CRD, as the API server would reject it.</summary>
    public static JsonObject SchemaOf(string kind) =>
        All.TryGetValue(kind, out var crd)
            ? crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject()
            : throw new KeyNotFoundException($"no CRD for kind {kind}");

    private static Dictionary<string, JsonObject> Load() =>
        Directory.EnumerateFiles(RepoPaths.Generated, "*.yaml")
            .SelectMany(f => YamlJson.ReadDocuments(File.ReadAllText(f)))
            .ToDictionary(crd => crd["spec"]!["names"]!["kind"]!.GetValue<string>(), StringComparer.Ordinal);
}
