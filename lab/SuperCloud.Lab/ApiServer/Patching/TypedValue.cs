using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// Schema-aware operations on object values, after structured-merge-diff: the set of fields a value sets, the merge
/// of an applied configuration into a live object, the comparison of two values and the removal of field paths.
/// </summary>
internal static class TypedValue
{
    /// <summary>The field set of <paramref name="value"/>; item identification problems are appended to <paramref name="errors"/>.</summary>
    public static FieldSet ToFieldSet(JsonNode? value, SchemaType type, List<string>? errors = null)
    {
        var set = new FieldSet();
        Walk(value, type, [], set, errors);
        return set;
    }

    private static void Walk(JsonNode? value, SchemaType type, List<PathElement> path, FieldSet set, List<string>? errors)
    {
        if (value is null)
        {
            return;
        }

        switch (type.Resolve(value))
        {
            case SchemaKind.Object when value is JsonObject obj && !type.IsAtomicMap:
                foreach (var (key, child) in obj)
                {
                    var childPath = new List<PathElement>(path) { PathElement.Field(key) };
                    Walk(child, type.Field(key), childPath, set, errors);
                    if (child is null || (child is JsonObject o && o.Count == 0) || !type.IsNamedField(key))
                    {
                        set.Insert(childPath);
                    }
                }

                break;
            case SchemaKind.List when value is JsonArray list && type.EffectiveListKind != ListKind.Atomic:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < list.Count; i++)
                {
                    var pe = ItemElement(list[i], i, type, path, errors);
                    if (!seen.Add(pe.Encoded))
                    {
                        errors?.Add($"{new FieldPath(path)}: duplicate entries for key {pe}");
                        continue;
                    }

                    var itemPath = new List<PathElement>(path) { pe };
                    Walk(list[i], type.Item, itemPath, set, errors);
                    set.Insert(itemPath);
                }

                break;
            default:
                if (path.Count > 0)
                {
                    set.Insert(path);
                }

                break;
        }
    }

    /// <summary>The path element naming one item of a set or map list.</summary>
    public static PathElement ItemElement(JsonNode? item, int index, SchemaType listType, IReadOnlyList<PathElement> path, List<string>? errors)
    {
        if (listType.EffectiveListKind == ListKind.Set)
        {
            return PathElement.ByValue(item);
        }

        if (item is not JsonObject obj || listType.ListMapKeys.Count == 0)
        {
            errors?.Add($"{new FieldPath(path)}: element {index}: associative list with keys has an element that is not a map");
            return PathElement.ByIndex(index);
        }

        var fields = new List<KeyValuePair<string, JsonNode?>>();
        foreach (var key in listType.ListMapKeys)
        {
            if (obj.TryGetPropertyValue(key, out var v) && v is not null)
            {
                fields.Add(new(key, v));
            }
            else if (listType.KeyDefaults.TryGetValue(key, out var d))
            {
                fields.Add(new(key, d));
            }
            else
            {
                errors?.Add($"{new FieldPath(path)}: element {index}: associative list with keys has an element that omits key field \"{key}\" (and doesn't have default value)");
                return PathElement.ByIndex(index);
            }
        }

        return PathElement.ByKey(fields);
    }

    /// <summary>Merges <paramref name="config"/> into <paramref name="live"/> (both untouched) by the list and map types of <paramref name="type"/>.</summary>
    public static JsonNode? Merge(JsonNode? live, JsonNode? config, SchemaType type)
    {
        if (config is null)
        {
            return null;
        }

        switch (type.Resolve(config))
        {
            case SchemaKind.Object when config is JsonObject c && !type.IsAtomicMap:
            {
                var l = live as JsonObject ?? [];
                var result = live is JsonObject ? (JsonObject)l.DeepClone() : [];
                foreach (var (key, value) in c)
                {
                    if (value is null)
                    {
                        // An explicit null owns the field but leaves no value, as typed objects drop it.
                        result.Remove(key);
                        continue;
                    }

                    result[key] = Merge(l[key], value, type.Field(key));
                }

                return result;
            }

            case SchemaKind.List when config is JsonArray c && type.EffectiveListKind != ListKind.Atomic:
                return MergeList(live as JsonArray ?? [], c, type);
            default:
                return config.DeepClone();
        }
    }

    private static JsonArray MergeList(JsonArray lhs, JsonArray rhs, SchemaType type)
    {
        var lhsPes = lhs.Select((item, i) => ItemElement(item, i, type, [], null)).ToList();
        var rhsPes = rhs.Select((item, i) => ItemElement(item, i, type, [], null)).ToList();
        var lhsByPe = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        for (var i = 0; i < lhs.Count; i++)
        {
            lhsByPe.TryAdd(lhsPes[i].Encoded, lhs[i]);
        }

        var rhsByPe = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        for (var i = 0; i < rhs.Count; i++)
        {
            rhsByPe.TryAdd(rhsPes[i].Encoded, rhs[i]);
        }

        // Items in both lists take the applied order; items only in the live list keep their place relative to them.
        var shared = new Queue<string>(rhsPes.Select(p => p.Encoded).Where(lhsByPe.ContainsKey));
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        var output = new JsonArray();
        int li = 0, ri = 0;
        while (li < lhsPes.Count || ri < rhsPes.Count)
        {
            if (li < lhsPes.Count && ri < rhsPes.Count && lhsPes[li].Encoded == rhsPes[ri].Encoded)
            {
                var pe = lhsPes[li].Encoded;
                if (emitted.Add(pe))
                {
                    output.Add(MergeItem(lhsByPe[pe], rhsByPe[pe], type));
                }

                if (shared.Count > 0 && shared.Peek() == pe)
                {
                    shared.Dequeue();
                }

                li++;
                ri++;
                continue;
            }

            if (li < lhsPes.Count)
            {
                var pe = lhsPes[li].Encoded;
                if (!rhsByPe.ContainsKey(pe))
                {
                    output.Add(JsonValues.Clone(lhs[li]));
                    li++;
                    continue;
                }

                if (emitted.Contains(pe) || (ri < rhsPes.Count && shared.Count > 0 && shared.Peek() != pe))
                {
                    li++;
                    continue;
                }
            }

            if (ri < rhsPes.Count)
            {
                var pe = rhsPes[ri].Encoded;
                if (emitted.Add(pe))
                {
                    output.Add(lhsByPe.TryGetValue(pe, out var l) ? MergeItem(l, rhsByPe[pe], type) : MergeItem(null, rhsByPe[pe], type));
                }

                if (shared.Count > 0 && shared.Peek() == pe)
                {
                    shared.Dequeue();
                }

                ri++;
            }
            else
            {
                li++;
            }
        }

        return output;
    }

    private static JsonNode? MergeItem(JsonNode? live, JsonNode? config, SchemaType listType) =>
        listType.EffectiveListKind == ListKind.Map ? Merge(live, config, listType.Item) : JsonValues.Clone(config);

    /// <summary>
    /// Compares two values as structured-merge-diff does: leaves whose value differs are modified; any node (leaf, map
    /// or list) present on one side only is added or removed.
    /// </summary>
    public static Comparison Compare(JsonNode? lhs, JsonNode? rhs, SchemaType type)
    {
        var result = new Comparison(new FieldSet(), new FieldSet(), new FieldSet());
        CompareWalk(lhs, true, rhs, true, type, [], result);
        return result;
    }

    /// <summary>The outcome of <see cref="Compare"/>.</summary>
    public sealed record Comparison(FieldSet Added, FieldSet Removed, FieldSet Modified);

    private static void CompareWalk(JsonNode? lhs, bool hasLhs, JsonNode? rhs, bool hasRhs, SchemaType type, List<PathElement> path, Comparison result)
    {
        var kind = type.Resolve(hasRhs ? rhs : lhs);
        var isObject = kind == SchemaKind.Object && !type.IsAtomicMap &&
            (!hasLhs || lhs is JsonObject || lhs is null) && (!hasRhs || rhs is JsonObject || rhs is null) && (lhs is JsonObject || rhs is JsonObject);
        var isList = kind == SchemaKind.List && type.EffectiveListKind != ListKind.Atomic &&
            (!hasLhs || lhs is JsonArray || lhs is null) && (!hasRhs || rhs is JsonArray || rhs is null) && (lhs is JsonArray || rhs is JsonArray);

        if (isObject)
        {
            var l = lhs as JsonObject;
            var r = rhs as JsonObject;
            var keys = (l?.Select(p => p.Key) ?? []).Union(r?.Select(p => p.Key) ?? [], StringComparer.Ordinal).ToList();
            foreach (var key in keys)
            {
                JsonNode? lv = null, rv = null;
                var hl = l is not null && l.TryGetPropertyValue(key, out lv);
                var hr = r is not null && r.TryGetPropertyValue(key, out rv);
                CompareWalk(lv, hl, rv, hr, type.Field(key), [.. path, PathElement.Field(key)], result);
            }
        }
        else if (isList)
        {
            var lItems = IndexItems(lhs as JsonArray, type, path);
            var rItems = IndexItems(rhs as JsonArray, type, path);
            foreach (var (encoded, (pe, lv)) in lItems)
            {
                var hr = rItems.TryGetValue(encoded, out var r);
                CompareWalk(lv, true, r.Value, hr, type.Item, [.. path, pe], result);
            }

            foreach (var (encoded, (pe, rv)) in rItems)
            {
                if (!lItems.ContainsKey(encoded))
                {
                    CompareWalk(null, false, rv, true, type.Item, [.. path, pe], result);
                }
            }
        }
        else if (path.Count > 0 && hasLhs && hasRhs && !JsonValues.DeepEquals(lhs, rhs))
        {
            result.Modified.Insert(path);
        }

        if (path.Count > 0 && !hasLhs)
        {
            result.Added.Insert(path);
        }
        else if (path.Count > 0 && !hasRhs)
        {
            result.Removed.Insert(path);
        }
    }

    private static Dictionary<string, (PathElement Pe, JsonNode? Value)> IndexItems(JsonArray? list, SchemaType type, List<PathElement> path)
    {
        var items = new Dictionary<string, (PathElement, JsonNode?)>(StringComparer.Ordinal);
        if (list is null)
        {
            return items;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var pe = ItemElement(list[i], i, type, path, null);
            items.TryAdd(pe.Encoded, (pe, list[i]));
        }

        return items;
    }

    /// <summary>Adds struct-field parents of owned paths as members, as structured-merge-diff's EnsureNamedFieldsAreMembers.</summary>
    public static FieldSet EnsureNamedFieldsAreMembers(FieldSet set, SchemaType type)
    {
        var result = new FieldSet();
        Ensure(set, type, [], result);
        return result;
    }

    private static void Ensure(FieldSet set, SchemaType type, List<PathElement> path, FieldSet result)
    {
        foreach (var m in set.Members)
        {
            result.Insert([.. path, m]);
        }

        foreach (var (pe, child) in set.Children)
        {
            var childType = pe.FieldName is { } name ? type.Field(name) : type.Item;
            if (pe.FieldName is { } field && (type.Kind is SchemaKind.Object or SchemaKind.Deduced) && type.IsNamedField(field))
            {
                result.Insert([.. path, pe]);
            }

            Ensure(child, childType, [.. path, pe], result);
        }
    }

    /// <summary>Removes from <paramref name="value"/> (in place) every member path of <paramref name="toRemove"/> with its subtree.</summary>
    public static void RemovePaths(JsonNode? value, SchemaType type, FieldSet toRemove)
    {
        if (toRemove.IsEmpty || value is null)
        {
            return;
        }

        switch (value)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var pe = PathElement.Field(key);
                    if (toRemove.Members.Contains(pe))
                    {
                        obj.Remove(key);
                    }
                    else if (toRemove.Children.TryGetValue(pe, out var sub))
                    {
                        RemovePaths(obj[key], type.Field(key), sub);
                    }
                }

                break;
            case JsonArray list when type.EffectiveListKind != ListKind.Atomic:
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    var pe = ItemElement(list[i], i, type, [], null);
                    if (toRemove.Members.Contains(pe))
                    {
                        list.RemoveAt(i);
                    }
                    else if (toRemove.Children.TryGetValue(pe, out var sub))
                    {
                        RemovePaths(list[i], type.Item, sub);
                    }
                }

                break;
        }
    }
}
