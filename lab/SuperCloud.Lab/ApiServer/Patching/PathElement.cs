using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// One step of a field path as structured-merge-diff models it: a field name (<c>f:</c>), a list item by key
/// (<c>k:</c>), a set item by value (<c>v:</c>) or a list item by index (<c>i:</c>).
/// </summary>
internal sealed class PathElement : IComparable<PathElement>, IEquatable<PathElement>
{
    private PathElement(int kind, string? name, IReadOnlyList<KeyValuePair<string, JsonNode?>>? key, JsonNode? value, int index)
    {
        KindRank = kind;
        FieldName = name;
        Key = key;
        Value = value;
        Index = index;
        Encoded = Encode();
    }

    /// <summary>0 field, 1 key, 2 value, 3 index: the order structured-merge-diff sorts elements in.</summary>
    public int KindRank { get; }

    /// <summary>The field name of a <c>f:</c> element.</summary>
    public string? FieldName { get; }

    /// <summary>The key fields (sorted by name) of a <c>k:</c> element.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode?>>? Key { get; }

    /// <summary>The value of a <c>v:</c> element.</summary>
    public JsonNode? Value { get; }

    /// <summary>The index of an <c>i:</c> element.</summary>
    public int Index { get; }

    /// <summary>The FieldsV1 encoding, e.g. <c>f:spec</c> or <c>k:{"name":"web"}</c>.</summary>
    public string Encoded { get; }

    /// <summary>A field.</summary>
    public static PathElement Field(string name) => new(0, name, null, null, 0);

    /// <summary>A list item identified by key fields.</summary>
    public static PathElement ByKey(IEnumerable<KeyValuePair<string, JsonNode?>> fields) =>
        new(1, null, fields.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new KeyValuePair<string, JsonNode?>(f.Key, JsonValues.Clone(f.Value))).ToList(), null, 0);

    /// <summary>A set item identified by its value.</summary>
    public static PathElement ByValue(JsonNode? value) => new(2, null, null, JsonValues.Clone(value), 0);

    /// <summary>A list item identified by position (atomic-free lists without keys).</summary>
    public static PathElement ByIndex(int index) => new(3, null, null, null, index);

    /// <summary>Parses a FieldsV1 key such as <c>f:name</c>.</summary>
    public static PathElement Parse(string encoded)
    {
        if (encoded.Length < 2 || encoded[1] != ':')
        {
            throw new FormatException($"invalid FieldsV1 path element {encoded}");
        }

        var rest = encoded[2..];
        switch (encoded[0])
        {
            case 'f':
                return Field(rest);
            case 'k':
            {
                if (Json.Parse(rest) is not JsonObject o)
                {
                    throw new FormatException($"invalid FieldsV1 key {encoded}");
                }

                return ByKey(o.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value)));
            }

            case 'v':
                return ByValue(Json.Parse(rest));
            case 'i':
                return ByIndex(int.Parse(rest, CultureInfo.InvariantCulture));
            default:
                throw new FormatException($"invalid FieldsV1 path element {encoded}");
        }
    }

    private string Encode()
    {
        switch (KindRank)
        {
            case 0:
                return "f:" + FieldName;
            case 1:
            {
                var sb = new StringBuilder("k:{");
                for (var i = 0; i < Key!.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    JsonValues.WriteGoString(sb, Key[i].Key);
                    sb.Append(':').Append(JsonValues.GoJson(Key[i].Value));
                }

                return sb.Append('}').ToString();
            }

            case 2:
                return "v:" + JsonValues.GoJson(Value);
            default:
                return "i:" + Index.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The element as kube prints it in conflict messages: <c>.name</c>, <c>[name="web"]</c>, <c>[="x"]</c>, <c>[0]</c>.</summary>
    public override string ToString() => KindRank switch
    {
        0 => "." + FieldName,
        1 => "[" + string.Join(",", Key!.Select(k => k.Key + "=" + JsonValues.ToPathString(k.Value))) + "]",
        2 => "[=" + JsonValues.ToPathString(Value) + "]",
        _ => "[" + Index.ToString(CultureInfo.InvariantCulture) + "]",
    };

    /// <inheritdoc />
    public int CompareTo(PathElement? other)
    {
        if (other is null)
        {
            return 1;
        }

        if (KindRank != other.KindRank)
        {
            return KindRank.CompareTo(other.KindRank);
        }

        switch (KindRank)
        {
            case 0:
                return string.CompareOrdinal(FieldName, other.FieldName);
            case 1:
                for (var i = 0; i < Math.Min(Key!.Count, other.Key!.Count); i++)
                {
                    var c = string.CompareOrdinal(Key[i].Key, other.Key[i].Key);
                    if (c == 0)
                    {
                        c = JsonValues.Compare(Key[i].Value, other.Key[i].Value);
                    }

                    if (c != 0)
                    {
                        return c;
                    }
                }

                return Key.Count.CompareTo(other.Key.Count);
            case 2:
                return JsonValues.Compare(Value, other.Value);
            default:
                return Index.CompareTo(other.Index);
        }
    }

    /// <inheritdoc />
    public bool Equals(PathElement? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PathElement other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => KindRank switch
    {
        0 => StringComparer.Ordinal.GetHashCode(FieldName!),
        _ => KindRank,
    };
}
