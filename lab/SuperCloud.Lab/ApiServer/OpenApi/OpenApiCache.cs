using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>
/// The serialized OpenAPI documents for one set of served resources: the v3 index, each v3 group-version document
/// with its hash, and the v2 document, each built once on first use. The registry publishes a new resource list
/// whenever a CRD changes, so a different list instance starts a fresh cache; concurrent requests share one build.
/// </summary>
internal sealed class OpenApiCache
{
    private volatile Entry _current = new([]);

    /// <summary>The v3 index (<c>/openapi/v3</c>) as UTF-8 JSON.</summary>
    public byte[] Index(IReadOnlyList<ApiResource> resources) => For(resources).Index.Value;

    /// <summary>The v2 document (<c>/openapi/v2</c>) as UTF-8 JSON.</summary>
    public byte[] V2(IReadOnlyList<ApiResource> resources) => For(resources).V2.Value;

    /// <summary>The v2 document as gnostic protobuf (what kubectl's validation asks for).</summary>
    public byte[] V2Protobuf(IReadOnlyList<ApiResource> resources) => For(resources).V2Protobuf.Value;

    /// <summary>One v3 group-version document as UTF-8 JSON with its hash, or null when the group-version is not served.</summary>
    public (byte[] Body, string Hash)? GroupVersion(IReadOnlyList<ApiResource> resources, string group, string version)
    {
        var entry = For(resources);
        if (!resources.Any(r => r.Group == group && r.Version == version))
        {
            return null;
        }

        return entry.Document(group, version);
    }

    private Entry For(IReadOnlyList<ApiResource> resources)
    {
        var current = _current;
        if (ReferenceEquals(current.Resources, resources))
        {
            return current;
        }

        var fresh = new Entry(resources);
        var seen = Interlocked.CompareExchange(ref _current, fresh, current);
        return ReferenceEquals(seen, current) ? fresh : (ReferenceEquals(seen.Resources, resources) ? seen : fresh);
    }

    private static byte[] Utf8(JsonNode document) => Encoding.UTF8.GetBytes(document.ToJsonString(Json.Options));

    private sealed class Entry
    {
        private readonly ConcurrentDictionary<(string Group, string Version), Lazy<(byte[] Body, string Hash)>> _documents = new();

        public Entry(IReadOnlyList<ApiResource> resources)
        {
            Resources = resources;
            Index = new Lazy<byte[]>(() => Utf8(BuildIndex()), LazyThreadSafetyMode.ExecutionAndPublication);
            V2 = new Lazy<byte[]>(() => Utf8(OpenApiV2.Build(resources)), LazyThreadSafetyMode.ExecutionAndPublication);
            V2Protobuf = new Lazy<byte[]>(() => OpenApiV2Protobuf.Encode(OpenApiV2.Build(resources)), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public IReadOnlyList<ApiResource> Resources { get; }

        public Lazy<byte[]> Index { get; }

        public Lazy<byte[]> V2 { get; }

        public Lazy<byte[]> V2Protobuf { get; }

        public (byte[] Body, string Hash) Document(string group, string version) =>
            _documents.GetOrAdd((group, version), key => new Lazy<(byte[], string)>(() =>
            {
                var document = OpenApiV3.BuildGroupVersion(key.Group, key.Version, Resources);
                return (Utf8(document), OpenApiV3.Hash(document));
            }, LazyThreadSafetyMode.ExecutionAndPublication)).Value;

        private JsonObject BuildIndex() => OpenApiV3.BuildIndex(Resources, (group, version) => Document(group, version).Hash);
    }
}
