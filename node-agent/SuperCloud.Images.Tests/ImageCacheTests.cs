using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Lab.Registry;

namespace SuperCloud.Images.Tests;

/// <summary>A host's image cache pulling from real registries: mirrors first, verification, sharing, garbage collection.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageCacheTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly TestFiles _files = new();
    private readonly string _cacheDir = Directory.CreateTempSubdirectory("image-cache-").FullName;

    [SkippableFact]
    public async Task Pull_places_every_blob_read_only_under_its_digest_and_a_second_pull_downloads_nothing()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        var own = await RegistryServer.StartAsync();
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = [own.Address] }, TimeProvider.System);
        var kernel = _files.Random("basic-kernel", 100_000);
        var digest = await new VmImagePublisher(client).PublishAsync(own.Address, "tests/cache-basic", "v1", new VmImageFiles(kernel, null, null, null), CancellationToken.None);
        var source = new ImageSource($"{own.Address}/tests/cache-basic", digest);
        using var cache = Cache([], out _, own.Address);
        var progress = new List<PullProgress>();

        var image = await cache.PullAsync(source, new ProgressCallback<PullProgress>(progress.Add), CancellationToken.None);

        image.Digest.Should().Be(source.Digest);
        image.KernelPath.Should().StartWith(_cacheDir);
        (await File.ReadAllBytesAsync(image.KernelPath!)).Should().Equal(await File.ReadAllBytesAsync(kernel));
        File.GetUnixFileMode(image.KernelPath!).Should().Be(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        cache.Contains(image.KernelPath!).Should().BeTrue();
        cache.Contains("/etc/passwd").Should().BeFalse();
        progress.Should().NotBeEmpty();
        progress[^1].BytesDone.Should().Be(progress[^1].BytesTotal);

        // The registry is gone: the cached image needs it no more.
        await own.DisposeAsync();
        var again = await cache.PullAsync(source, null, CancellationToken.None);
        again.KernelPath.Should().Be(image.KernelPath);
    }

    [SkippableFact]
    public async Task Mirror_is_asked_first_and_the_images_own_registry_when_the_mirror_lacks_it()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var mirror = await RegistryServer.StartAsync();
        var (source, _) = await PublishAsync("tests/cache-mirror");
        using var cache = Cache([mirror.Address], out var logs, mirror.Address);

        var image = await cache.PullAsync(source, null, CancellationToken.None);
        image.KernelPath.Should().NotBeNull();
        logs.Should().ContainInOrder(
            $"Pulling image {source} from {mirror.Address} failed (NotFound): manifest {mirror.Address}/tests/cache-mirror:{source.Digest} does not exist (404 Not Found: MANIFEST_UNKNOWN manifest unknown)",
            $"Pulled image {source} from {registry.Address}");
    }

    [SkippableFact]
    public async Task Pull_from_the_mirror_needs_no_origin_at_all()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var mirror = await RegistryServer.StartAsync();
        var files = new VmImageFiles(_files.Random("mk", 8000), null, null, null);
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = [mirror.Address] }, TimeProvider.System);
        var digest = await new VmImagePublisher(client).PublishAsync(mirror.Address, "tests/only-on-mirror", "v1", files, CancellationToken.None);
        using var cache = Cache([mirror.Address], out _, mirror.Address);

        // The origin named does not exist: the mirror serves the same repository by digest.
        var image = await cache.PullAsync(new ImageSource("127.0.0.1:9/tests/only-on-mirror", digest), null, CancellationToken.None);
        image.Digest.Should().Be(digest);
    }

    [SkippableFact]
    public async Task A_corrupted_blob_fails_the_pull_with_a_digest_mismatch_and_leaves_nothing_usable()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        var (source, kernel) = await PublishAsync("tests/cache-corrupt");
        var kernelDigest = Digest.Of(await File.ReadAllBytesAsync(kernel));
        var data = registry.Server.BlobDataPath(kernelDigest.Hex);
        var bytes = await File.ReadAllBytesAsync(data);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(data, bytes);
        using var cache = Cache([], out _);

        var pull = () => cache.PullAsync(source, null, CancellationToken.None);
        (await pull.Should().ThrowAsync<RegistryException>()).Which.Kind.Should().Be(RegistryErrorKind.DigestMismatch);
        (await cache.GetAsync(source.Digest, CancellationToken.None)).Should().BeNull();
        File.Exists(cache.BlobPath(kernelDigest)).Should().BeFalse();
        Directory.EnumerateFiles(Path.Combine(_cacheDir, "tmp")).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Concurrent_pulls_of_one_image_share_one_download()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        var (source, _) = await PublishAsync("tests/cache-shared", kernelBytes: 4_000_000);
        using var cache = Cache([], out var logs);

        var pulls = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => cache.PullAsync(source, null, CancellationToken.None)));
        pulls.Select(p => p.KernelPath).Distinct().Should().ContainSingle();
        logs.Count(l => l.StartsWith("Pulled", StringComparison.Ordinal)).Should().Be(1);
    }

    [SkippableFact]
    public async Task Disk_layer_with_a_backing_file_is_refused_so_no_host_path_reaches_qemu()
    {
        Skip.If((RegistryServer.Missing ?? TestFiles.QemuImgMissing) is not null, RegistryServer.Missing ?? TestFiles.QemuImgMissing);
        using var client = Client();
        var disk = _files.Qcow2("evil.qcow2", "16M", backing: "/etc/shadow");
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, "tests/backing", "v1", new VmImageFiles(null, null, disk, null), CancellationToken.None);
        using var cache = Cache([], out _);

        var pull = () => cache.PullAsync(new ImageSource($"{registry.Address}/tests/backing", digest), null, CancellationToken.None);
        (await pull.Should().ThrowAsync<RegistryException>()).Which.Should().Match<RegistryException>(e =>
            e.Kind == RegistryErrorKind.InvalidImage && e.Message.Contains("backing file", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Disk_image_reports_its_virtual_size()
    {
        Skip.If((RegistryServer.Missing ?? TestFiles.QemuImgMissing) is not null, RegistryServer.Missing ?? TestFiles.QemuImgMissing);
        using var client = Client();
        var disk = _files.Qcow2("plain.qcow2", "48M");
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, "tests/disk", "v1", new VmImageFiles(null, null, disk, null), CancellationToken.None);
        using var cache = Cache([], out _);

        var image = await cache.PullAsync(new ImageSource($"{registry.Address}/tests/disk", digest), null, CancellationToken.None);
        image.DiskVirtualSize.Should().Be(48L * 1024 * 1024);
        image.KernelPath.Should().BeNull();
    }

    [SkippableFact]
    public async Task Garbage_collection_keeps_images_in_use_pinned_or_recent_and_removes_the_rest()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        var (used, _) = await PublishAsync("tests/gc-used");
        var (pinned, _) = await PublishAsync("tests/gc-pinned");
        var (unused, unusedKernel) = await PublishAsync("tests/gc-unused");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ImageCache(
            new ImageCacheOptions { Directory = _cacheDir, UnusedRetention = TimeSpan.FromMinutes(10), Registry = new RegistryOptions { PlainHttp = [registry.Address] } },
            Client(), time, NullLogger<ImageCache>.Instance);
        foreach (var source in new[] { used, pinned, unused })
        {
            await cache.PullAsync(source, null, CancellationToken.None);
        }

        (await cache.CollectGarbageAsync([], CancellationToken.None)).Should().Be(0, "every image was used within the retention");

        time.Advance(TimeSpan.FromMinutes(11));
        using (cache.Pin(pinned.Digest))
        {
            var freed = await cache.CollectGarbageAsync([used.Digest], CancellationToken.None);
            freed.Should().BeGreaterThanOrEqualTo(new FileInfo(unusedKernel).Length);
        }

        (await cache.GetAsync(used.Digest, CancellationToken.None)).Should().NotBeNull();
        (await cache.GetAsync(pinned.Digest, CancellationToken.None)).Should().NotBeNull();
        (await cache.GetAsync(unused.Digest, CancellationToken.None)).Should().BeNull();
        File.Exists(cache.BlobPath(Digest.Of(await File.ReadAllBytesAsync(unusedKernel)))).Should().BeFalse();
    }

    public void Dispose()
    {
        _files.Dispose();
        foreach (var file in Directory.EnumerateFiles(_cacheDir, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.Delete(_cacheDir, recursive: true);
    }

    private RegistryClient Client(params string[] more) => new(new RegistryOptions { PlainHttp = [registry.Address, .. more] }, TimeProvider.System);

    private ImageCache Cache(IList<string> mirrors, out List<string> logs, params string[] plainHttp)
    {
        logs = [];
        var options = new ImageCacheOptions { Directory = _cacheDir, Mirrors = mirrors, Registry = new RegistryOptions { PlainHttp = [registry.Address, .. plainHttp] } };
        return new ImageCache(options, new RegistryClient(options.Registry, TimeProvider.System), TimeProvider.System, new ListLogger(logs));
    }

    private async Task<(ImageSource Source, string Kernel)> PublishAsync(string repository, int kernelBytes = 100_000)
    {
        using var client = Client();
        var kernel = _files.Random(repository.Replace('/', '-') + "-kernel", kernelBytes);
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, repository, "v1",
            new VmImageFiles(kernel, _files.Random(repository.Replace('/', '-') + "-initrd", 10_000), null, "console=ttyS0"), CancellationToken.None);
        return (new ImageSource($"{registry.Address}/{repository}", digest), kernel);
    }

    private sealed class ListLogger(List<string> lines) : ILogger<ImageCache>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }
}
