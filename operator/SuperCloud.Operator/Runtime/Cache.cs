using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// A thread-safe, indexed store of the objects an informer has seen (client-go's Indexer): get by key, list,
/// and query by index — by namespace, by owner UID, or by any custom index such as "SuperPods on node X".
/// </summary>
/// <typeparam name="T">The cached kind.</typeparam>
public sealed class Cache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The built-in index of objects by metadata.namespace.</summary>
    public const string NamespaceIndex = "namespace";

    /// <summary>The built-in index of objects by the UID of each owner in metadata.ownerReferences.</summary>
    public const string OwnerIndex = "owner";

    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectKey, T> _items = [];
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = [];
    private readonly Dictionary<string, Dictionary<string, HashSet<ObjectKey>>> _indices = [];

    /// <summary>Creates an empty cache with the namespace and owner indices.</summary>
    public Cache()
    {
        AddIndex(NamespaceIndex, o => string.IsNullOrEmpty(o.Metadata?.NamespaceProperty) ? [] : [o.Metadata.NamespaceProperty]);
        AddIndex(OwnerIndex, o => o.Metadata?.OwnerReferences?.Select(r => r.Uid).Where(u => !string.IsNullOrEmpty(u)) ?? []);
    }

    /// <summary>The number of cached objects.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index named <paramref name="name"/> whose values for an object <paramref name="indexer"/> computes; existing objects are indexed at once.</summary>
    public void AddIndex(string name, Func<T, IEnumerable<string>> indexer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(indexer);
        lock (_lock)
        {
            if (!_indexers.TryAdd(name, indexer))
            {
                throw new ArgumentException($"index '{name}' already exists", nameof(name));
            }

            _indices[name] = [];
            foreach (var (key, item) in _items)
            {
                IndexLocked(name, indexer, key, item);
            }
        }
    }

    /// <summary>The cached object with <paramref name="key"/>, or null.</summary>
    public T? Get(ObjectKey key)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    /// <summary>A snapshot of every cached object.</summary>
    public IReadOnlyList<T> List()
    {
        lock (_lock)
        {
            return [.. _items.Values];
        }
    }

    /// <summary>A snapshot of every cached key.</summary>
    public IReadOnlyList<ObjectKey> Keys()
    {
        lock (_lock)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>The cached objects whose index <paramref name="indexName"/> contains <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"index '{indexName}' does not exist", nameof(indexName));
            }

            return index.TryGetValue(value, out var keys) ? [.. keys.Select(k => _items[k])] : [];
        }
    }

    /// <summary>Inserts or replaces an object; returns the previous version, if any.</summary>
    internal T? Upsert(T item)
    {
        var key = ObjectKey.From(item);
        lock (_lock)
        {
            var old = RemoveLocked(key);
            _items[key] = item;
            foreach (var (name, indexer) in _indexers)
            {
                IndexLocked(name, indexer, key, item);
            }

            return old;
        }
    }

    /// <summary>Removes an object; returns it, or null if it was not cached.</summary>
    internal T? Remove(ObjectKey key)
    {
        lock (_lock)
        {
            return RemoveLocked(key);
        }
    }

    /// <summary>Replaces the whole content (after a relist) and returns what changed, so the informer can emit the missed events.</summary>
    internal IReadOnlyList<(T? Old, T? New)> Replace(IEnumerable<T> items)
    {
        var changes = new List<(T? Old, T? New)>();
        lock (_lock)
        {
            var seen = new HashSet<ObjectKey>();
            foreach (var item in items)
            {
                var key = ObjectKey.From(item);
                seen.Add(key);
                var old = _items.GetValueOrDefault(key);
                if (old is not null && old.Metadata?.ResourceVersion == item.Metadata?.ResourceVersion)
                {
                    continue;
                }

                RemoveLocked(key);
                _items[key] = item;
                foreach (var (name, indexer) in _indexers)
                {
                    IndexLocked(name, indexer, key, item);
                }

                changes.Add((old, item));
            }

            foreach (var key in _items.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                changes.Add((RemoveLocked(key), null));
            }
        }

        return changes;
    }

    private void IndexLocked(string name, Func<T, IEnumerable<string>> indexer, ObjectKey key, T item)
    {
        var index = _indices[name];
        foreach (var value in indexer(item))
        {
            if (!index.TryGetValue(value, out var keys))
            {
                index[value] = keys = [];
            }

            keys.Add(key);
        }
    }

    private T? RemoveLocked(ObjectKey key)
    {
        if (!_items.Remove(key, out var old))
        {
            return null;
        }

        foreach (var (name, indexer) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in indexer(old))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }
        }

        return old;
    }
}
