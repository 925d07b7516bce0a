using System.Collections.Concurrent;

namespace SuperCloud.Images;

/// <summary>
/// A host's content-addressed store of VM images, shared by every VM on the host. Images are pulled by manifest digest
/// only — from the configured mirrors first, then from the registry that published them — and every blob is verified
/// against its digest while it downloads, then placed read-only under <c>blobs/sha256/&lt;hex&gt;</c>; a qcow2 disk is also
/// checked to name no backing or data file. Concurrent pulls of one image share one download. Images no VM uses are
/// removed by <see cref="CollectGarbageAsync"/> once they have been unused for the retention period.
/// </summary>
public sealed class ImageCache : IDisposable
{
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly ImageCacheOptions _options;
    private readonly RegistryClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Digest, Task<CachedImage>> _pulls = new();
    private readonly ConcurrentDictionary<Digest, int> _pins = new();

    // Held while blobs are placed and while garbage is collected, so a collection never sees half a pull.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens the cache in <see cref="ImageCacheOptions.Directory"/>, creating it, and drops unfinished downloads.</summary>
    public ImageCache(ImageCacheOptions options, RegistryClient client, TimeProvider time, ILogger<ImageCache> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate("Images");
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid image cache options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _client = client;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(BlobDirectory);
        Directory.CreateDirectory(ImagesDirectory);
        if (Directory.Exists(TempDirectory))
        {
            Directory.Delete(TempDirectory, recursive: true);
        }

        Directory.CreateDirectory(TempDirectory);
    }

    /// <summary>The cache's settings.</summary>
    public ImageCacheOptions Options => _options;

    /// <summary>The cache's root directory.</summary>
    public string Root => _options.Directory;

    private string BlobDirectory => Path.Combine(Root, "blobs", "sha256");

    private string ImagesDirectory => Path.Combine(Root, "images", "sha256");

    private string TempDirectory => Path.Combine(Root, "tmp");

    /// <summary>The file of blob <paramref name="digest"/> (whether or not it is present).</summary>
    public string BlobPath(Digest digest) => Path.Combine(BlobDirectory, digest.Hex);

    /// <summary>True when <paramref name="path"/> is a file inside this cache (a file QEMU may be handed read-only).</summary>
    public bool Contains(string path) =>
        Path.GetFullPath(path).StartsWith(Path.GetFullPath(BlobDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// Keeps <paramref name="digest"/> from garbage collection until the returned lease is disposed: hold it from a pull
    /// until the VM that uses the image exists.
    /// </summary>
    public IDisposable Pin(Digest digest)
    {
        _pins.AddOrUpdate(digest, 1, (_, count) => count + 1);
        return new Lease(this, digest);
    }

    /// <summary>The image if every blob of it is in the cache, else null. Local reads only: the token is not needed.</summary>
    public async Task<CachedImage?> GetAsync(Digest digest, CancellationToken cancellationToken)
    {
        // Reading a few small local files is not cut short: a caller that is going away still gets a whole answer.
        cancellationToken = CancellationToken.None;
        var manifestPath = BlobPath(digest);
        if (!File.Exists(manifestPath))
        {
            return null;
        }

        var image = VmImage.FromManifest(digest, ImageManifest.Parse(await File.ReadAllBytesAsync(manifestPath, cancellationToken)));
        if (image.Blobs.Any(b => !File.Exists(BlobPath(b.ParsedDigest()))))
        {
            return null;
        }

        return await DescribeAsync(image, cancellationToken);
    }

    /// <summary>
    /// Makes <paramref name="source"/> present in the cache and returns it. Mirrors are tried first, then the image's own
    /// registry; a source that fails (missing, unreachable, corrupted content) is followed by the next. Throws
    /// <see cref="RegistryException"/> when none delivers: DigestMismatch when any source sent content that failed
    /// verification, else the kind of the image's own registry's failure.
    /// </summary>
    public async Task<CachedImage> PullAsync(ImageSource source, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        using (Pin(source.Digest))
        {
            if (await GetAsync(source.Digest, cancellationToken) is { } cached)
            {
                Touch(source);
                return cached;
            }

            // One download per image however many VMs ask at once; a failed one is not remembered (the next call retries).
            var pull = _pulls.GetOrAdd(source.Digest, _ => Task.Run(() => PullFromSourcesAsync(source, progress, CancellationToken.None), CancellationToken.None));
            try
            {
                return await pull.WaitAsync(cancellationToken);
            }
            finally
            {
                if (pull.IsCompleted)
                {
                    _pulls.TryRemove(new KeyValuePair<Digest, Task<CachedImage>>(source.Digest, pull));
                }
            }
        }
    }

    /// <summary>
    /// Removes the images not in <paramref name="inUse"/>, not pinned and unused for longer than the retention, then every
    /// blob no remaining image references. Returns the bytes freed.
    /// </summary>
    public async Task<long> CollectGarbageAsync(IReadOnlyCollection<Digest> inUse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var cutoff = _time.GetUtcNow() - _options.UnusedRetention;
            var live = new HashSet<Digest>(inUse);
            live.UnionWith(_pins.Where(p => p.Value > 0).Select(p => p.Key));
            live.UnionWith(_pulls.Keys);
            foreach (var file in Directory.EnumerateFiles(ImagesDirectory))
            {
                if (!Digest.TryParse(Digest.Sha256Prefix + Path.GetFileName(file), out var digest))
                {
                    File.Delete(file);
                }
                else if (!live.Contains(digest) && File.GetLastWriteTimeUtc(file) < cutoff.UtcDateTime)
                {
                    File.Delete(file);
                    _logger.ImageRemoved(digest);
                }
                else
                {
                    live.Add(digest);
                }
            }

            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var digest in live)
            {
                var manifest = BlobPath(digest);
                if (!File.Exists(manifest))
                {
                    continue;
                }

                referenced.Add(digest.Hex);
                try
                {
                    var parsed = ImageManifest.Parse(await File.ReadAllBytesAsync(manifest, cancellationToken));
                    referenced.UnionWith(parsed.Layers.Prepend(parsed.Config).Select(d => d.ParsedDigest().Hex));
                }
                catch (RegistryException)
                {
                    // A manifest that no longer parses keeps nothing alive but itself.
                }
            }

            long freed = 0;
            foreach (var file in Directory.EnumerateFiles(BlobDirectory))
            {
                if (!referenced.Contains(Path.GetFileName(file)))
                {
                    freed += new FileInfo(file).Length;
                    File.Delete(file);
                }
            }

            if (freed > 0)
            {
                _logger.GarbageCollected(freed);
            }

            return freed;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CachedImage> PullFromSourcesAsync(ImageSource source, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var registries = _options.Mirrors.Where(m => !string.Equals(m, source.Registry, StringComparison.OrdinalIgnoreCase)).Append(source.Registry).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var failures = new List<(string Registry, RegistryException Error)>();
        foreach (var registry in registries)
        {
            try
            {
                var image = await PullFromAsync(registry, source, progress, cancellationToken);
                Touch(source);
                _logger.Pulled(source, registry);
                return image;
            }
            catch (RegistryException ex)
            {
                _logger.PullFailed(source, registry, ex.Kind, ex.Message);
                failures.Add((registry, ex));
            }
        }

        var kind = failures.Any(f => f.Error.Kind == RegistryErrorKind.DigestMismatch) ? RegistryErrorKind.DigestMismatch
            : failures.Any(f => f.Error.Kind == RegistryErrorKind.InvalidImage) ? RegistryErrorKind.InvalidImage
            : failures[^1].Error.Kind;
        throw new RegistryException(kind, $"pulling {source} failed: " + string.Join("; ", failures.Select(f => f.Registry == source.Registry ? f.Error.Message : $"mirror {f.Registry}: {f.Error.Message}")));
    }

    private async Task<CachedImage> PullFromAsync(string registry, ImageSource source, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var manifest = await _client.GetManifestAsync(registry, source.Repository, source.Digest, cancellationToken);
        if (MediaTypes.IsIndex(manifest.MediaType))
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"{source} is an image index; SuperPods name the digest of an image manifest");
        }

        var image = VmImage.FromManifest(source.Digest, ImageManifest.Parse(manifest.Bytes));
        await PlaceAsync(source.Digest, async file => await file.WriteAsync(manifest.Bytes, cancellationToken), cancellationToken);

        var total = image.Blobs.Sum(b => b.Size);
        long done = 0;
        foreach (var blob in image.Blobs)
        {
            var digest = blob.ParsedDigest();
            if (!File.Exists(BlobPath(digest)))
            {
                var before = done;
                var blobProgress = progress is null ? null : new ProgressCallback<long>(bytes => progress.Report(new PullProgress(before + bytes, total, registry)));
                await PlaceAsync(digest, file => _client.GetBlobAsync(registry, source.Repository, digest, blob.Size, file, blobProgress, cancellationToken), cancellationToken,
                    verify: blob == image.Disk ? path => Qcow2Header.Read(path) : null);
            }

            done += blob.Size;
            progress?.Report(new PullProgress(done, total, registry));
        }

        return await DescribeAsync(image, cancellationToken);
    }

    // Writes a blob to a temporary file (the writer verifies it), checks it, then moves it into place read-only.
    private async Task PlaceAsync(Digest digest, Func<FileStream, Task> write, CancellationToken cancellationToken, Action<string>? verify = null)
    {
        var temp = Path.Combine(TempDirectory, $"{digest.Hex}.{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(file);
                await file.FlushAsync(cancellationToken);
            }

            verify?.Invoke(temp);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, ReadOnly);
            }

            await _gate.WaitAsync(cancellationToken);
            try
            {
                File.Move(temp, BlobPath(digest), overwrite: true);
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<CachedImage> DescribeAsync(VmImage image, CancellationToken cancellationToken)
    {
        var config = VmImageConfig.Parse(await File.ReadAllBytesAsync(BlobPath(image.Config.ParsedDigest()), cancellationToken));
        string? FileOf(Descriptor? d) => d is null ? null : BlobPath(d.ParsedDigest());
        var disk = FileOf(image.Disk);
        return new CachedImage(image, config, FileOf(image.Kernel), FileOf(image.Initrd), disk, disk is null ? 0 : Qcow2Header.Read(disk).VirtualSize);
    }

    // The image's record: its file's modification time is when a VM last asked for it.
    private void Touch(ImageSource source)
    {
        var path = Path.Combine(ImagesDirectory, source.Digest.Hex);
        File.WriteAllText(path, source.Name);
        File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private void Unpin(Digest digest)
    {
        if (_pins.AddOrUpdate(digest, 0, (_, count) => count - 1) <= 0)
        {
            _pins.TryRemove(new KeyValuePair<Digest, int>(digest, 0));
        }
    }

    private sealed class Lease(ImageCache cache, Digest digest) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                cache.Unpin(digest);
            }
        }
    }
}
