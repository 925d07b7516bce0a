using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// All objects of the cluster, one cluster-wide resourceVersion counter, a bounded event history for watch
/// replay, and the open watchers. Every method takes the (reentrant) <see cref="Gate"/>; callers that need
/// several steps to be atomic hold it around them.
/// </summary>
internal sealed class ObjectStore(int historyCapacity, int watcherQueueCapacity)
{
    private readonly Dictionary<(string Group, string Plural), SortedDictionary<string, JsonObject>> _objects = [];
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly List<Watcher> _watchers = [];
    private long _resourceVersion = 1;
    private long _compactedThrough = 1;

    /// <summary>The write lock. Reentrant, so an operation can hold it across several store calls.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Raised (under the lock) after every commit; listeners must only signal, never block.</summary>
    public event Action? Changed;

    public long ResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return _resourceVersion;
            }
        }
    }

    public static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";

    /// <summary>The stored object (do not mutate it), or null.</summary>
    public JsonObject? Peek(ApiResource resource, string? ns, string name)
    {
        lock (Gate)
        {
            return Bucket(resource).TryGetValue(Key(ns, name), out var obj) ? obj : null;
        }
    }

    /// <summary>A private copy of the stored object, or null.</summary>
    public JsonObject? Get(ApiResource resource, string? ns, string name) => Peek(resource, ns, name) is { } o ? Json.Clone(o) : null;

    /// <summary>The stored objects of a resource (do not mutate them), ordered by namespace/name.</summary>
    public IReadOnlyList<JsonObject> PeekAll(ApiResource resource, string? ns = null)
    {
        lock (Gate)
        {
            return Bucket(resource).Values.Where(o => ns is null || Json.Namespace(o) == ns).ToList();
        }
    }

    /// <summary>Every stored object with its group and plural (do not mutate them).</summary>
    public IReadOnlyList<(string Group, string Plural, JsonObject Object)> PeekEverything()
    {
        lock (Gate)
        {
            return _objects.SelectMany(kv => kv.Value.Values.Select(o => (kv.Key.Group, kv.Key.Plural, o))).ToList();
        }
    }

    /// <summary>Stores a new state of an object (or removes it for DELETED), assigning the next resourceVersion.</summary>
    public JsonObject Commit(ApiResource resource, string type, JsonObject obj)
    {
        lock (Gate)
        {
            var rv = ++_resourceVersion;
            Json.Metadata(obj)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            var bucket = Bucket(resource);
            var key = Key(Json.Namespace(obj), Json.Name(obj));
            bucket.TryGetValue(key, out var old);
            if (type == "DELETED")
            {
                bucket.Remove(key);
            }
            else
            {
                bucket[key] = obj;
            }

            Record(new WatchEvent(type, resource.Group, resource.Plural, rv, obj, type == "MODIFIED" ? old : null));
            Changed?.Invoke();
            return obj;
        }
    }

    /// <summary>Subscribes a watcher: initial ADDED events (from unset/0) or a replay from <paramref name="fromVersion"/>.</summary>
    /// <exception cref="WatchExpiredException">The version is older than the retained history.</exception>
    public (Watcher Watcher, IReadOnlyList<WatchEvent> Backlog) Subscribe(WatchFilter filter, long? fromVersion, bool sendInitialEvents)
    {
        lock (Gate)
        {
            var backlog = new List<WatchEvent>();
            if (fromVersion is null || sendInitialEvents)
            {
                backlog.AddRange(Bucket(filter.Resource).Values
                    .Where(filter.Matches)
                    .Select(o => new WatchEvent("ADDED", filter.Resource.Group, filter.Resource.Plural, Json.ResourceVersion(o), o, null)));
                if (sendInitialEvents)
                {
                    backlog.Add(Bookmark(filter.Resource) with { InitialEventsEnd = true });
                }
            }
            else
            {
                if (fromVersion < _compactedThrough)
                {
                    throw new WatchExpiredException(fromVersion.Value, _compactedThrough + 1);
                }

                backlog.AddRange(_history
                    .Where(e => e.ResourceVersion > fromVersion)
                    .Select(filter.Translate)
                    .OfType<WatchEvent>());
            }

            var watcher = new Watcher(filter, watcherQueueCapacity);
            _watchers.Add(watcher);
            return (watcher, backlog);
        }
    }

    public void Unsubscribe(Watcher watcher)
    {
        lock (Gate)
        {
            _watchers.Remove(watcher);
        }

        watcher.Close();
    }

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every watcher that asked for bookmarks.</summary>
    public void EmitBookmarks()
    {
        lock (Gate)
        {
            foreach (var watcher in _watchers.Where(w => w.Filter.AllowBookmarks).ToList())
            {
                if (!watcher.Offer(Bookmark(watcher.Filter.Resource)))
                {
                    _watchers.Remove(watcher);
                }
            }
        }
    }

    /// <summary>Ends every open watch (clients see the stream end and re-watch).</summary>
    public void CloseAllWatches()
    {
        lock (Gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Close();
            }

            _watchers.Clear();
        }
    }

    /// <summary>Drops the whole event history: watches from any earlier resourceVersion get 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (Gate)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>A consistent copy of everything for a snapshot.</summary>
    public (long ResourceVersion, List<(string Group, string Plural, JsonObject Object)> Objects) Export()
    {
        lock (Gate)
        {
            return (_resourceVersion, _objects.SelectMany(kv => kv.Value.Values.Select(o => (kv.Key.Group, kv.Key.Plural, Json.Clone(o)))).ToList());
        }
    }

    /// <summary>Loads a snapshot at start (before any watcher exists).</summary>
    public void Import(long resourceVersion, IEnumerable<(string Group, string Plural, JsonObject Object)> objects)
    {
        lock (Gate)
        {
            foreach (var (group, plural, obj) in objects)
            {
                if (!_objects.TryGetValue((group, plural), out var bucket))
                {
                    bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
                    _objects[(group, plural)] = bucket;
                }

                bucket[Key(Json.Namespace(obj), Json.Name(obj))] = obj;
            }

            _resourceVersion = Math.Max(_resourceVersion, resourceVersion);
            _compactedThrough = _resourceVersion;
        }
    }

    private WatchEvent Bookmark(ApiResource resource) =>
        new("BOOKMARK", resource.Group, resource.Plural, _resourceVersion, new JsonObject
        {
            ["kind"] = resource.Kind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
        }, null);

    private void Record(WatchEvent e)
    {
        _history.AddLast(e);
        while (_history.Count > historyCapacity)
        {
            _compactedThrough = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        for (var i = _watchers.Count - 1; i >= 0; i--)
        {
            if (_watchers[i].Filter.Translate(e) is { } seen && !_watchers[i].Offer(seen))
            {
                _watchers.RemoveAt(i);
            }
        }
    }

    private SortedDictionary<string, JsonObject> Bucket(ApiResource resource)
    {
        if (!_objects.TryGetValue((resource.Group, resource.Plural), out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[(resource.Group, resource.Plural)] = bucket;
        }

        return bucket;
    }
}
