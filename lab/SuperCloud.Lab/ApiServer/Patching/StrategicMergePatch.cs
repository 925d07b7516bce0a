using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// Strategic merge patch (<c>application/strategic-merge-patch+json</c>) for built-in kinds: lists merge by the patch
/// merge key the Kubernetes Go types declare, with the <c>$patch</c>, <c>$retainKeys</c>,
/// <c>$deleteFromPrimitiveList/</c> and <c>$setElementOrder/</c> directives kubectl sends.
/// </summary>
public static class StrategicMergePatch
{
    private const string Directive = "$patch";
    private const string RetainKeys = "$retainKeys";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";
    private const string SetElementOrderPrefix = "$setElementOrder/";

    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="target"/> using the merge rules of <paramref name="kind"/>.</summary>
    /// <exception cref="StatusException">400 for malformed directives, 422 for content that contradicts them, 500 (as kube) for a list item without its merge key.</exception>
    public static JsonObject Apply(JsonObject target, JsonObject patch, string apiVersion, string kind)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(patch);
        // Every kind is served at a single version here, so the merge keys depend on the kind alone.
        _ = apiVersion;
        var schema = SchemaCatalog.ForBuiltIn(kind);
        var result = (JsonObject)target.DeepClone();
        return MergeMap(result, (JsonObject)patch.DeepClone(), schema);
    }

    private static JsonObject MergeMap(JsonObject original, JsonObject patch, SchemaType type)
    {
        if (patch.TryGetPropertyValue(Directive, out var directive))
        {
            var value = directive is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValues.Text(v) : null;
            switch (value)
            {
                case "replace":
                    patch.Remove(Directive);
                    return MergeMap([], patch, type);
                case "delete":
                    return [];
                default:
                    throw PatchErrors.Unknown($"unknown patch type: {JsonValues.GoPrint(directive)} in map: {JsonValues.GoPrint(patch)}");
            }
        }

        ApplyRetainKeys(original, patch);
        var handled = MergeOrderedLists(original, patch, type);

        foreach (var (rawKey, patchValue) in patch.ToList())
        {
            if (rawKey == RetainKeys || rawKey.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) || handled.Contains(rawKey))
            {
                continue;
            }

            var isDeleteList = rawKey.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal);
            var key = isDeleteList ? rawKey[DeleteFromPrimitiveListPrefix.Length..] : rawKey;
            if (isDeleteList && patchValue is not JsonArray)
            {
                throw PatchErrors.BadRequest("invalid patch format of primitive list");
            }

            if (patchValue is null)
            {
                original.Remove(key);
                continue;
            }

            var fieldType = type.Field(key);
            var originalValue = original[key];
            if (originalValue is null)
            {
                if (!isDeleteList)
                {
                    original[key] = Fresh(patchValue, fieldType);
                }

                continue;
            }

            var originalKind = JsonValues.KindOf(originalValue);
            var patchKind = JsonValues.KindOf(patchValue);
            var sameShape = originalKind == patchKind ||
                (IsScalar(originalKind) && IsScalar(patchKind));
            if (!sameShape || IsScalar(originalKind))
            {
                if (!isDeleteList)
                {
                    original[key] = Fresh(patchValue, fieldType);
                }

                continue;
            }

            if (originalValue is JsonObject originalObject)
            {
                original[key] = Strategy(fieldType) == "replace"
                    ? Fresh(patchValue, SchemaType.DeducedStruct)
                    : MergeMap(Detach(originalObject), (JsonObject)patchValue, fieldType);
            }
            else
            {
                original[key] = MergeListHandler(Detach((JsonArray)originalValue), (JsonArray)patchValue, fieldType, isDeleteList);
            }
        }

        return original;
    }

    private static bool IsScalar(JsonValueKind kind) => kind is not (JsonValueKind.Object or JsonValueKind.Array);

    private static T Detach<T>(T node)
        where T : JsonNode
    {
        switch (node.Parent)
        {
            case JsonObject parent:
                parent.Remove(node.GetPropertyName());
                break;
            case JsonArray array:
                array.Remove(node);
                break;
        }

        return node;
    }

    // "merge,retainKeys" merges; "retainKeys" alone only tells clients to send $retainKeys, so it merges too.
    private static string? Strategy(SchemaType type) =>
        type.PatchStrategy is null ? null :
        type.PatchStrategy.Split(',').Contains("merge") ? "merge" :
        type.PatchStrategy.Split(',').Contains("replace") ? "replace" : null;

    /// <summary>A value that has no counterpart in the original: cleaned of directives and nulls.</summary>
    private static JsonNode? Fresh(JsonNode patchValue, SchemaType type) => patchValue switch
    {
        JsonObject o => MergeMap([], (JsonObject)o.DeepClone(), type),
        // Items without their merge key are kept as sent (as kube does for a list the original lacks), so that
        // validation reports the missing field instead of the merge.
        JsonArray a when Strategy(type) == "merge" && a.All(i => i is not JsonObject o || (type.PatchMergeKey is { } k && o.ContainsKey(k))) =>
            MergeSlice([], (JsonArray)a.DeepClone(), type, false),
        _ => patchValue.DeepClone(),
    };

    private static void ApplyRetainKeys(JsonObject original, JsonObject patch)
    {
        if (!patch.TryGetPropertyValue(RetainKeys, out var retain))
        {
            return;
        }

        if (retain is not JsonArray list || list.Any(x => JsonValues.KindOf(x) != JsonValueKind.String))
        {
            throw PatchErrors.BadRequest("invalid patch format of retainKeys");
        }

        var keep = list.Select(x => JsonValues.Text(x!)).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, _) in patch)
        {
            if (!key.StartsWith('$') && !keep.Contains(key))
            {
                throw PatchErrors.NotApplicable("patch content doesn't match retainKeys list");
            }
        }

        foreach (var key in original.Select(p => p.Key).ToList())
        {
            if (!keep.Contains(key))
            {
                original.Remove(key);
            }
        }
    }

    /// <summary>Merges the lists that have a <c>$setElementOrder</c> directive and orders them; returns the keys handled.</summary>
    private static HashSet<string> MergeOrderedLists(JsonObject original, JsonObject patch, SchemaType type)
    {
        var handled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rawKey, orderValue) in patch.ToList())
        {
            if (!rawKey.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (orderValue is not JsonArray order)
            {
                throw PatchErrors.BadRequest("invalid patch format of setElementOrder list");
            }

            var key = rawKey[SetElementOrderPrefix.Length..];
            var fieldType = type.Field(key);
            var originalList = original[key] as JsonArray ?? [];
            var patchList = patch[key] as JsonArray ?? [];
            var mergeKey = fieldType.PatchMergeKey;
            var isMapList = order.Concat(patchList).Concat(originalList).Any(x => x is JsonObject);
            if (isMapList && string.IsNullOrEmpty(mergeKey))
            {
                throw PatchErrors.Unknown($"cannot merge lists without merge key for {key}");
            }

            var serverOrder = originalList.Select(x => x?.DeepClone()).ToList();
            var merged = Strategy(fieldType) == "merge"
                ? MergeSlice(Detach(originalList), (JsonArray)patchList.DeepClone(), fieldType, false)
                : (JsonArray)patchList.DeepClone();
            var orderItems = order.ToList();
            if (isMapList)
            {
                foreach (var item in orderItems)
                {
                    if (item is not JsonObject o || !o.ContainsKey(mergeKey!))
                    {
                        throw PatchErrors.Unknown($"map: {JsonValues.GoPrint(item)} does not contain declared merge key: {mergeKey}");
                    }
                }
            }

            var items = merged.Select(x => x?.DeepClone()).ToList();
            var inOrder = items.Where(i => IndexOf(orderItems, i, isMapList ? mergeKey : null) >= 0).ToList();
            var serverOnly = items.Where(i => IndexOf(orderItems, i, isMapList ? mergeKey : null) < 0).ToList();
            var result = NormalizeOrder(inOrder, serverOnly, orderItems, serverOrder, isMapList ? mergeKey : null);
            if (result.Count > 0 || original.ContainsKey(key))
            {
                original[key] = new JsonArray([.. result]);
            }

            handled.Add(key);
        }

        return handled;
    }

    private static JsonArray MergeListHandler(JsonArray original, JsonArray patch, SchemaType type, bool isDeleteList)
    {
        if (Strategy(type) == "merge" || isDeleteList)
        {
            return MergeSlice(original, patch, type, isDeleteList);
        }

        return (JsonArray)patch.DeepClone();
    }

    private static JsonArray MergeSlice(JsonArray original, JsonArray patch, SchemaType type, bool isDeleteList)
    {
        if (original.Count == 0 && patch.Count == 0)
        {
            return original;
        }

        if (original.Concat(patch).Any(x => x is JsonArray))
        {
            throw PatchErrors.NotApplicable("lists of lists are not supported");
        }

        var isMapList = original.Concat(patch).Any(x => x is JsonObject);
        var originalItems = original.Select(x => x?.DeepClone()).ToList();
        var patchItems = patch.Select(x => x?.DeepClone()).ToList();
        List<JsonNode?> merged;
        string? mergeKey = null;
        if (!isMapList)
        {
            if (isDeleteList)
            {
                return new JsonArray([.. originalItems.Where(o => !patchItems.Any(p => JsonValues.DeepEquals(o, p)))]);
            }

            merged = [];
            foreach (var item in originalItems.Concat(patchItems))
            {
                if (!merged.Any(m => JsonValues.DeepEquals(m, item)))
                {
                    merged.Add(item);
                }
            }
        }
        else
        {
            mergeKey = type.PatchMergeKey;
            if (string.IsNullOrEmpty(mergeKey))
            {
                throw PatchErrors.Unknown($"cannot merge lists without merge key for {type.Kind}");
            }

            var (effectiveOriginal, remaining) = ApplySpecialElements(originalItems, patchItems, mergeKey);
            originalItems = effectiveOriginal;
            merged = [.. effectiveOriginal.Select(x => x?.DeepClone())];
            foreach (var item in remaining)
            {
                if (item is not JsonObject patchObject || !patchObject.TryGetPropertyValue(mergeKey, out var keyValue))
                {
                    throw PatchErrors.Unknown($"map: {JsonValues.GoPrint(item)} does not contain declared merge key: {mergeKey}");
                }

                var index = merged.FindIndex(m => m is JsonObject mo && mo.TryGetPropertyValue(mergeKey, out var mk) && JsonValues.DeepEquals(mk, keyValue));
                if (index >= 0)
                {
                    merged[index] = MergeMap((JsonObject)merged[index]!, patchObject, type.Item);
                }
                else
                {
                    merged.Add(MergeMap([], patchObject, type.Item));
                }
            }
        }

        var inPatch = merged.Where(m => IndexOf(patchItems, m, mergeKey) >= 0).ToList();
        var serverOnly = merged.Where(m => IndexOf(patchItems, m, mergeKey) < 0).ToList();
        return new JsonArray([.. NormalizeOrder(inPatch, serverOnly, patchItems, originalItems, mergeKey)]);
    }

    /// <summary>Handles <c>$patch</c> items of a list: delete removes matching items, replace drops the original.</summary>
    private static (List<JsonNode?> Original, List<JsonNode?> Patch) ApplySpecialElements(List<JsonNode?> original, List<JsonNode?> patch, string mergeKey)
    {
        var remaining = new List<JsonNode?>();
        var replace = false;
        foreach (var item in patch)
        {
            if (item is not JsonObject o || !o.TryGetPropertyValue(Directive, out var directive))
            {
                remaining.Add(item);
                continue;
            }

            var value = directive is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValues.Text(v) : null;
            switch (value)
            {
                case "delete":
                    if (!o.TryGetPropertyValue(mergeKey, out var keyValue))
                    {
                        throw PatchErrors.Unknown($"map: {JsonValues.GoPrint(o)} does not contain declared merge key: {mergeKey}");
                    }

                    original = original.Where(x => !(x is JsonObject xo && xo.TryGetPropertyValue(mergeKey, out var xk) && JsonValues.DeepEquals(xk, keyValue))).ToList();
                    break;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    throw PatchErrors.Unknown("merging lists cannot yet be specified in the patch");
                default:
                    throw PatchErrors.Unknown($"unknown patch type: {JsonValues.GoPrint(directive)} in map: {JsonValues.GoPrint(o)}");
            }
        }

        return replace ? (remaining, []) : (original, remaining);
    }

    private static int IndexOf(List<JsonNode?> list, JsonNode? item, string? mergeKey)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (mergeKey is null)
            {
                if (JsonValues.DeepEquals(list[i], item))
                {
                    return i;
                }
            }
            else if (list[i] is JsonObject a && item is JsonObject b &&
                     a.TryGetPropertyValue(mergeKey, out var ka) && b.TryGetPropertyValue(mergeKey, out var kb) &&
                     JsonValues.DeepEquals(ka, kb))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Orders patch items by the patch (or <c>$setElementOrder</c>) order and server-only items by the live order,
    /// then interleaves them keeping both relative orders, as kube-apiserver does.
    /// </summary>
    private static List<JsonNode?> NormalizeOrder(List<JsonNode?> patchItems, List<JsonNode?> serverOnly, List<JsonNode?> patchOrder, List<JsonNode?> serverOrder, string? mergeKey)
    {
        var right = SortBy(patchItems, patchOrder, mergeKey);
        var left = SortBy(serverOnly, serverOrder, mergeKey);
        var result = new List<JsonNode?>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (i >= left.Count)
            {
                result.Add(right[j++]);
            }
            else if (j >= right.Count)
            {
                result.Add(left[i++]);
            }
            else
            {
                var li = IndexOf(serverOrder, left[i], mergeKey);
                var ri = IndexOf(serverOrder, right[j], mergeKey);
                if (li >= 0 && ri >= 0 && li < ri)
                {
                    result.Add(left[i++]);
                }
                else
                {
                    result.Add(right[j++]);
                }
            }
        }

        return result.Select(x => x?.Parent is null ? x : x.DeepClone()).ToList();
    }

    private static List<JsonNode?> SortBy(List<JsonNode?> items, List<JsonNode?> order, string? mergeKey) =>
        items.Select((item, position) => (item, position, index: IndexOf(order, item, mergeKey)))
            .OrderBy(x => x.index < 0 ? int.MaxValue : x.index)
            .ThenBy(x => x.position)
            .Select(x => x.item)
            .ToList();
}
