using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Images;
using SuperCloud.Lab.Registry;
using SuperCloud.NodeAgent.Hypervisor;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests;

/// <summary>
/// The test guest (node-agent/guest/build.sh) as VM images in a real docker-registry that the tests of this run share:
/// VMs boot from images pulled by digest into a cache per agent, as in production. The registry stops when the run ends.
/// </summary>
internal static class GuestImage
{
    private static readonly Lazy<Task<Published>> Shared = new(PublishAsync);
    private static readonly Lazy<string> BuiltDirectory = new(() => GuestImages.BuildAsync(CancellationToken.None).GetAwaiter().GetResult());
    private static readonly List<string> Caches = CreateCacheList();

    /// <summary>Null when a real guest can boot here, otherwise which prerequisite is missing.</summary>
    public static string? Missing => TestEnvironment.QemuMissing ?? ImageMissing;

    /// <summary>Null when the guest's images can be built and served here (QEMU aside), otherwise which prerequisite is missing.</summary>
    public static string? ImageMissing =>
        RegistryServer.Missing
        ?? (Directory.Exists("/boot") && Directory.EnumerateFiles("/boot", "vmlinuz-*").Any() ? null : "no kernel /boot/vmlinuz-* (apt-get install linux-image-amd64)");

    /// <summary>build.sh's output directory, built (or found up to date) once per run.</summary>
    public static string Built => BuiltDirectory.Value;

    /// <summary>The kernel + initramfs image.</summary>
    public static ImageSource Kernel => Get().Kernel;

    /// <summary>The bootable disk image.</summary>
    public static ImageSource Disk => Get().Disk;

    /// <summary>host:port of the shared registry.</summary>
    public static string Registry => Get().Registry.Address;

    /// <summary>The shared registry (tests that corrupt or remove content publish images of their own in it).</summary>
    public static RegistryServer Server => Get().Registry;

    public static V1.ImageReference KernelReference => Reference(Kernel);

    public static V1.ImageReference Reference(ImageSource source) => new() { Repository = source.Name, Digest = source.Digest.ToString() };

    public static string Cmdline(int memMib = 32, int dirtyPagesPerSec = 2000) =>
        $"console=ttyS0 quiet panic=-1 sc.mem_mib={memMib} sc.dirty_pages_per_sec={dirtyPagesPerSec}";

    /// <summary>Boots the kernel image with <paramref name="cmdline"/>.</summary>
    public static VmBoot Boot(string cmdline) => new(Kernel, cmdline);

    /// <summary>A registry client that reaches the shared registry.</summary>
    public static RegistryClient Client() => new(new RegistryOptions { PlainHttp = [Registry] }, TimeProvider.System);

    /// <summary>A new, empty image cache on the shared registry, removed when the run ends.</summary>
    public static ImageCache NewCache(TimeSpan? unusedRetention = null) => Cache([Registry], unusedRetention);

    /// <summary>A cache for agents that never pull (no registry is started for it).</summary>
    public static ImageCache OfflineCache() => Cache([], null);

    private static ImageCache Cache(IList<string> plainHttp, TimeSpan? unusedRetention)
    {
        var directory = TestEnvironment.NewTempDir("scimg");
        lock (Caches)
        {
            Caches.Add(directory);
        }

        var options = new ImageCacheOptions
        {
            Directory = directory,
            Registry = new RegistryOptions { PlainHttp = plainHttp },
            UnusedRetention = unusedRetention ?? TimeSpan.FromHours(1),
        };
        return new ImageCache(options, new RegistryClient(options.Registry, TimeProvider.System), TimeProvider.System, NullLogger<ImageCache>.Instance);
    }

    private static List<string> CreateCacheList()
    {
        var caches = new List<string>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (caches)
            {
                foreach (var cache in caches.Where(Directory.Exists))
                {
                    Directory.Delete(cache, recursive: true);
                }
            }
        };
        return caches;
    }

    private static Published Get() => Shared.Value.GetAwaiter().GetResult();

    private static async Task<Published> PublishAsync()
    {
        var outDir = Built;
        var registry = await RegistryServer.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = [registry.Address] }, TimeProvider.System);
        var digests = await GuestImages.PublishAsync(client, registry.Address, outDir, CancellationToken.None);
        return new Published(
            registry,
            new ImageSource($"{registry.Address}/{GuestImages.Repository}", digests.Guest),
            new ImageSource($"{registry.Address}/{GuestImages.DiskRepository}", digests.Disk));
    }

    private sealed record Published(RegistryServer Registry, ImageSource Kernel, ImageSource Disk);
}
