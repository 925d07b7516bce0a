using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// A set of field paths stored as a tree (structured-merge-diff's <c>fieldpath.Set</c>): <see cref="Members"/> are
/// paths ending here, <see cref="Children"/> hold deeper paths. Serializes to and from the FieldsV1 JSON of managedFields.
/// </summary>
internal sealed class FieldSet
{
    private readonly SortedSet<PathElement> _members = [];
    private readonly SortedDictionary<PathElement, FieldSet> _children = [];

    /// <summary>Paths that end at this level.</summary>
    public IReadOnlyCollection<PathElement> Members => _members;

    /// <summary>Sub-sets for paths that continue below this level.</summary>
    public IReadOnlyDictionary<PathElement, FieldSet> Children => _children;

    /// <summary>True when the set holds no path.</summary>
    public bool IsEmpty => _members.Count == 0 && _children.Values.All(c => c.IsEmpty);

    /// <summary>Adds a path.</summary>
    public void Insert(IReadOnlyList<PathElement> path)
    {
        if (path.Count == 0)
        {
            return;
        }

        var node = this;
        for (var i = 0; i < path.Count - 1; i++)
        {
            node = node.Child(path[i]);
        }

        node._members.Add(path[^1]);
    }

    /// <summary>True when the exact path is a member.</summary>
    public bool Has(IReadOnlyList<PathElement> path)
    {
        if (path.Count == 0)
        {
            return false;
        }

        var node = this;
        for (var i = 0; i < path.Count - 1; i++)
        {
            if (!node._children.TryGetValue(path[i], out node))
            {
                return false;
            }
        }

        return node._members.Contains(path[^1]);
    }

    private FieldSet Child(PathElement element)
    {
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }

        return child;
    }

    /// <summary>The set of paths in this set or in <paramref name="other"/>.</summary>
    public FieldSet Union(FieldSet other)
    {
        var result = Copy();
        result.UnionWith(other);
        return result;
    }

    private void UnionWith(FieldSet other)
    {
        foreach (var m in other._members)
        {
            _members.Add(m);
        }

        foreach (var (pe, child) in other._children)
        {
            Child(pe).UnionWith(child);
        }
    }

    /// <summary>The paths in both sets.</summary>
    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet();
        result._members.UnionWith(_members.Where(other._members.Contains));

        foreach (var (pe, child) in _children)
        {
            if (other._children.TryGetValue(pe, out var otherChild))
            {
                var sub = child.Intersection(otherChild);
                if (!sub.IsEmpty)
                {
                    result._children[pe] = sub;
                }
            }
        }

        return result;
    }

    /// <summary>The paths in this set that are not (exactly) in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet();
        result._members.UnionWith(_members.Where(m => !other._members.Contains(m)));

        foreach (var (pe, child) in _children)
        {
            var sub = other._children.TryGetValue(pe, out var otherChild) ? child.Difference(otherChild) : child.Copy();
            if (!sub.IsEmpty)
            {
                result._children[pe] = sub;
            }
        }

        return result;
    }

    /// <summary>The paths in this set that are neither in <paramref name="other"/> nor below one of its members.</summary>
    public FieldSet RecursiveDifference(FieldSet other)
    {
        var result = new FieldSet();
        result._members.UnionWith(_members.Where(m => !other._members.Contains(m)));

        foreach (var (pe, child) in _children)
        {
            if (other._members.Contains(pe))
            {
                continue;
            }

            var sub = other._children.TryGetValue(pe, out var otherChild) ? child.RecursiveDifference(otherChild) : child.Copy();
            if (!sub.IsEmpty)
            {
                result._children[pe] = sub;
            }
        }

        return result;
    }

    /// <summary>A deep copy.</summary>
    public FieldSet Copy()
    {
        var result = new FieldSet();
        result.UnionWith(this);
        return result;
    }

    /// <summary>Every member path, members of a level before its children, each level in sorted order.</summary>
    public IEnumerable<IReadOnlyList<PathElement>> Paths() => Paths([]);

    private IEnumerable<IReadOnlyList<PathElement>> Paths(List<PathElement> prefix)
    {
        foreach (var m in _members)
        {
            yield return [.. prefix, m];
        }

        foreach (var (pe, child) in _children)
        {
            foreach (var p in child.Paths([.. prefix, pe]))
            {
                yield return p;
            }
        }
    }

    /// <summary>The FieldsV1 JSON, keys in kube's order, <c>"."</c> marking an element that is itself a member.</summary>
    public JsonObject ToFieldsV1() => Emit(includeSelf: false);

    private JsonObject Emit(bool includeSelf)
    {
        var result = new JsonObject();
        if (includeSelf && !IsEmpty)
        {
            result["."] = new JsonObject();
        }

        var keys = new SortedSet<PathElement>(_members);
        keys.UnionWith(_children.Where(c => !c.Value.IsEmpty).Select(c => c.Key));
        foreach (var pe in keys)
        {
            var isMember = _members.Contains(pe);
            if (_children.TryGetValue(pe, out var child) && !child.IsEmpty)
            {
                result[pe.Encoded] = child.Emit(isMember);
            }
            else
            {
                result[pe.Encoded] = new JsonObject();
            }
        }

        return result;
    }

    /// <summary>Parses FieldsV1 JSON.</summary>
    /// <exception cref="FormatException">When a key is not a valid path element.</exception>
    public static FieldSet FromFieldsV1(JsonObject fields)
    {
        var result = new FieldSet();
        foreach (var (key, value) in fields)
        {
            if (key == ".")
            {
                continue;
            }

            var pe = PathElement.Parse(key);
            if (value is not JsonObject sub || sub.Count == 0)
            {
                result._members.Add(pe);
                continue;
            }

            if (sub.ContainsKey("."))
            {
                result._members.Add(pe);
            }

            var child = FromFieldsV1(sub);
            if (!child.IsEmpty)
            {
                result._children[pe] = child;
            }
        }

        return result;
    }
}
