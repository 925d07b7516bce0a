using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Storage;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// All objects of the cluster, one cluster-wide resourceVersion counter, a bounded event history for watch
/// replay, and the open watchers. Every method takes the (reentrant) <see cref="Gate"/>; callers that need
/// several steps to be atomic hold it around them.
/// With a <see cref="StoreLog"/> attached, a change is <em>published</em> (put in the watch history, sent to
/// watchers, and allowed into any response) only once the log has it on disk, as etcd sends a watch event only for a
/// committed revision: no client ever sees a resourceVersion a crash could take back.
/// </summary>
internal sealed class ObjectStore(int historyCapacity, int watcherQueueCapacity)
{
    private readonly Dictionary<(string Group, string Plural), SortedDictionary<string, JsonObject>> _objects = [];
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly List<Watcher> _watchers = [];

    // Indexes for the in-server controllers, so a pass after each write does not scan every object.
    private readonly HashSet<string> _uids = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Plural, string Key), string> _uidByKey = [];
    private readonly Dictionary<(string Group, string Plural, string Key), JsonObject> _deleting = [];
    private readonly Dictionary<(string Group, string Plural, string Key), JsonObject> _owned = [];
    private readonly List<WatchEvent> _unpublished = [];
    private StoreLog? _log;
    private TaskCompletionSource _nextPublish = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _resourceVersion = 1;
    private long _published = 1;
    private long _compactedThrough = 1;

    /// <summary>The largest object the store takes, in bytes of JSON: etcd's default request limit (1.5 MiB).</summary>
    public const int MaxObjectBytes = 3 * 1024 * 1024 / 2;

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

    /// <summary>The newest resourceVersion that is durable and delivered to watchers; responses never show a newer one.</summary>
    public long PublishedResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return _published;
            }
        }
    }

    /// <summary>From now on every change is appended to <paramref name="log"/> and published once it is durable.</summary>
    public void Attach(StoreLog log)
    {
        lock (Gate)
        {
            _log = log;
        }
    }

    /// <summary>Completes once every change up to <paramref name="resourceVersion"/> is durable and published.</summary>
    public async Task WaitPublishedAsync(long resourceVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (Gate)
            {
                if (_published >= resourceVersion)
                {
                    return;
                }

                next = _nextPublish.Task;
            }

            await next.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Called by the log once changes up to <paramref name="through"/> are on disk: they go to history and watchers.</summary>
    public void Publish(long through)
    {
        TaskCompletionSource done;
        lock (Gate)
        {
            var count = 0;
            while (count < _unpublished.Count && _unpublished[count].ResourceVersion <= through)
            {
                Record(_unpublished[count]);
                count++;
            }

            _unpublished.RemoveRange(0, count);
            _published = Math.Max(_published, through);
            done = _nextPublish;
            _nextPublish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
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

    /// <summary>Whether an object with this uid is stored.</summary>
    public bool ContainsUid(string uid)
    {
        lock (Gate)
        {
            return _uids.Contains(uid);
        }
    }

    /// <summary>The stored objects being deleted (do not mutate them).</summary>
    public IReadOnlyList<(string Group, string Plural, JsonObject Object)> PeekDeleting()
    {
        lock (Gate)
        {
            return _deleting.Select(kv => (kv.Key.Group, kv.Key.Plural, kv.Value)).ToList();
        }
    }

    /// <summary>The stored objects that have ownerReferences (do not mutate them).</summary>
    public IReadOnlyList<(string Group, string Plural, JsonObject Object)> PeekOwned()
    {
        lock (Gate)
        {
            return _owned.Select(kv => (kv.Key.Group, kv.Key.Plural, kv.Value)).ToList();
        }
    }

    /// <summary>Stores a new state of an object (or removes it for DELETED), assigning the next resourceVersion.</summary>
    /// <exception cref="StatusException">413 when the object's JSON exceeds <see cref="MaxObjectBytes"/>; nothing is stored.</exception>
    public JsonObject Commit(ApiResource resource, string type, JsonObject obj)
    {
        lock (Gate)
        {
            var rv = _resourceVersion + 1;
            Json.Metadata(obj)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(obj, Json.Options);
            if (bytes.Length > MaxObjectBytes && type != "DELETED")
            {
                throw new StatusException(413, "RequestEntityTooLarge",
                    $"Request entity too large: the object is {bytes.Length} bytes, limit is {MaxObjectBytes}");
            }

            _resourceVersion = rv;
            var bucket = Bucket(resource);
            var key = Key(Json.Namespace(obj), Json.Name(obj));
            bucket.TryGetValue(key, out var old);
            Unindex(resource.Group, resource.Plural, key);
            var source = obj;
            obj = Compact(bytes);
            if (type == "DELETED")
            {
                bucket.Remove(key);
            }
            else
            {
                bucket[key] = obj;
                Index(resource.Group, resource.Plural, key, source, obj);
            }

            var e = new WatchEvent(type, resource.Group, resource.Plural, rv, obj, type == "MODIFIED" ? old : null);
            if (_log is null)
            {
                Record(e);
                _published = rv;
            }
            else
            {
                _log.Append(new LogRecord(LogRecordKind.Change, type, resource.Group, resource.Plural, rv, bytes, null));
                _unpublished.Add(e);
            }

            Changed?.Invoke();
            return obj;
        }
    }

    /// <summary>
    /// What a checkpoint of the log holds, taken atomically with <paramref name="whileLocked"/> (the log drops the
    /// buffered changes it covers): the objects and the retained history (published or not), as references — stored
    /// objects are never mutated, so the log serializes them outside the lock.
    /// </summary>
    public (long ResourceVersion, long CompactedThrough, List<(string Group, string Plural, JsonObject Object)> Objects, List<WatchEvent> History) CheckpointState(Action whileLocked)
    {
        lock (Gate)
        {
            whileLocked();
            return (_resourceVersion, _compactedThrough,
                _objects.SelectMany(kv => kv.Value.Values.Select(o => (kv.Key.Group, kv.Key.Plural, o))).ToList(),
                [.. _history, .. _unpublished]);
        }
    }

    /// <summary>Rebuilds the store from a log (before any watcher exists): objects, history and the resourceVersion counter.</summary>
    public void Load(IEnumerable<LogRecord> records)
    {
        lock (Gate)
        {
            foreach (var record in records)
            {
                switch (record.Kind)
                {
                    case LogRecordKind.Checkpoint:
                        _resourceVersion = record.ResourceVersion;
                        _compactedThrough = record.CompactedThrough;
                        break;
                    case LogRecordKind.Object:
                        Put(record.Group, record.Plural, Compact(record.Object));
                        break;
                    case LogRecordKind.History:
                        AppendHistory(new WatchEvent(record.Type, record.Group, record.Plural, record.ResourceVersion, Compact(record.Object),
                            record.Old is null ? null : Compact(record.Old)));
                        break;
                    case LogRecordKind.Change:
                        var obj = Compact(record.Object);
                        var bucket = Bucket(record.Group, record.Plural);
                        var key = Key(Json.Namespace(obj), Json.Name(obj));
                        bucket.TryGetValue(key, out var old);
                        if (record.Type == "DELETED")
                        {
                            Unindex(record.Group, record.Plural, key);
                            bucket.Remove(key);
                        }
                        else
                        {
                            Put(record.Group, record.Plural, obj);
                        }

                        AppendHistory(new WatchEvent(record.Type, record.Group, record.Plural, record.ResourceVersion, obj, record.Type == "MODIFIED" ? old : null));
                        _resourceVersion = record.ResourceVersion;
                        break;
                }
            }

            _published = _resourceVersion;
        }
    }

    /// <summary>Subscribes a watcher: initial ADDED events (from unset/0) or a replay from <paramref name="fromVersion"/>.</summary>
    /// <exception cref="WatchExpiredException">The version is older than the retained history.</exception>
    public (Watcher Watcher, IReadOnlyList<WatchEvent> Backlog) Subscribe(WatchFilter filter, long? fromVersion, bool sendInitialEvents)
    {
        lock (Gate)
        {
            var backlog = new List<WatchEvent>();
            // Changes not yet published reach the watcher when they are; those already in the backlog must not twice.
            long deliveredThrough;
            if (fromVersion is null || sendInitialEvents)
            {
                backlog.AddRange(Bucket(filter.Resource).Values
                    .Where(filter.Matches)
                    .Select(o => new WatchEvent("ADDED", filter.Resource.Group, filter.Resource.Plural, Json.ResourceVersion(o), o, null)));
                deliveredThrough = _resourceVersion;
                if (sendInitialEvents)
                {
                    backlog.Add(Bookmark(filter.Resource, _resourceVersion) with { InitialEventsEnd = true });
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
                deliveredThrough = Math.Max(_published, fromVersion.Value);
            }

            var watcher = new Watcher(filter, watcherQueueCapacity) { DeliveredThrough = deliveredThrough };
            _watchers.Add(watcher);
            return (watcher, backlog);
        }
    }

    /// <summary>How many watches are open (tests assert that a dropped client's watch is released).</summary>
    public int WatcherCount
    {
        get
        {
            lock (Gate)
            {
                return _watchers.Count;
            }
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
                if (!watcher.Offer(Bookmark(watcher.Filter.Resource, _published)))
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
            _compactedThrough = _published;
        }
    }

    /// <summary>
    /// How far loading a snapshot of the earlier format moves the resourceVersion counter past the snapshot's. Those
    /// snapshots were debounced, so the server that wrote one may have issued versions (and sent them to watchers)
    /// after it; reusing them would let a client re-watching from a version it saw silently miss the reissued changes.
    /// </summary>
    public const long RestartResourceVersionGap = 1_000_000;

    /// <summary>
    /// Loads a snapshot of the earlier format at start (before any watcher exists); the counter resumes
    /// <see cref="RestartResourceVersionGap"/> past the snapshot's, and everything before is compacted.
    /// </summary>
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

                var key = Key(Json.Namespace(obj), Json.Name(obj));
                Unindex(group, plural, key);
                var stored = Compact(obj);
                bucket[key] = stored;
                Index(group, plural, key, obj, stored);
            }

            _resourceVersion = Math.Max(_resourceVersion, resourceVersion + RestartResourceVersionGap);
            _compactedThrough = _resourceVersion;
            _published = _resourceVersion;
        }
    }

    private static WatchEvent Bookmark(ApiResource resource, long resourceVersion) =>
        new("BOOKMARK", resource.Group, resource.Plural, resourceVersion, new JsonObject
        {
            ["kind"] = resource.Kind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
        }, null);

    /// <summary>
    /// The form an object is kept in: re-parsed from its UTF-8 JSON, so each subtree stays a slice of one byte array
    /// until something reads into it (a fully built node tree costs about 15 times the JSON). Stored objects are
    /// never mutated, and System.Text.Json materializes lazy nodes thread-safely, so concurrent readers can share them.
    /// </summary>
    private static JsonObject Compact(JsonObject obj) => Compact(JsonSerializer.SerializeToUtf8Bytes(obj, Json.Options));

    private static JsonObject Compact(byte[] utf8) => (JsonObject)Json.Parse(utf8)!;

    private void Put(string group, string plural, JsonObject stored)
    {
        var key = Key(Json.Namespace(stored), Json.Name(stored));
        Unindex(group, plural, key);
        Bucket(group, plural)[key] = stored;
        Index(group, plural, key, stored, stored);
    }

    /// <summary>Indexes <paramref name="stored"/> by fields read from <paramref name="source"/> (the same object, already parsed), so the compact form stays unparsed.</summary>
    private void Index(string group, string plural, string key, JsonObject source, JsonObject stored)
    {
        if (Json.MetaStr(source, "uid") is { } uid)
        {
            _uids.Add(uid);
            _uidByKey[(group, plural, key)] = uid;
        }

        if (Json.IsDeleting(source))
        {
            _deleting[(group, plural, key)] = stored;
        }

        if (source["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 })
        {
            _owned[(group, plural, key)] = stored;
        }
    }

    private void Unindex(string group, string plural, string key)
    {
        if (_uidByKey.Remove((group, plural, key), out var uid))
        {
            _uids.Remove(uid);
        }

        _deleting.Remove((group, plural, key));
        _owned.Remove((group, plural, key));
    }

    private void Record(WatchEvent e)
    {
        AppendHistory(e);
        for (var i = _watchers.Count - 1; i >= 0; i--)
        {
            if (e.ResourceVersion > _watchers[i].DeliveredThrough && _watchers[i].Filter.Translate(e) is { } seen && !_watchers[i].Offer(seen))
            {
                _watchers.RemoveAt(i);
            }
        }
    }

    private void AppendHistory(WatchEvent e)
    {
        _history.AddLast(e);
        while (_history.Count > historyCapacity)
        {
            _compactedThrough = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }
    }

    private SortedDictionary<string, JsonObject> Bucket(ApiResource resource) => Bucket(resource.Group, resource.Plural);

    private SortedDictionary<string, JsonObject> Bucket(string group, string plural)
    {
        if (!_objects.TryGetValue((group, plural), out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[(group, plural)] = bucket;
        }

        return bucket;
    }
}
