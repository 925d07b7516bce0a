using SuperCloud.Images;
using SuperCloud.Lab.Registry;

namespace SuperCloud.Operator.Tests.Agents;

/// <summary>
/// The node agent's test guest (node-agent/guest/build.sh) published as VM images to a real docker-registry shared by the
/// tests of this run (stopped when the run ends), and what is missing to boot it.
/// </summary>
internal static class TestGuest
{
    private static readonly Lazy<Task<(RegistryServer Server, GuestImageDigests Digests)>> Published = new(PublishAsync);

    /// <summary>Null when a guest can boot here, otherwise which prerequisite is missing.</summary>
    public static string? Missing =>
        FindOnPath("qemu-system-x86_64") is null ? "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
        : RegistryServer.Missing
        ?? (Directory.Exists("/boot") && Directory.EnumerateFiles("/boot", "vmlinuz-*").Any() ? null
            : "no kernel /boot/vmlinuz-* to build the guest from (apt-get install linux-image-amd64)");

    /// <summary>host:port of the shared registry.</summary>
    public static string Registry => Get().Server.Address;

    /// <summary>The shared registry (for tests that corrupt content).</summary>
    public static RegistryServer Server => Get().Server;

    /// <summary>The kernel image, by tag, qualified.</summary>
    public static string Image => $"{Registry}/{GuestImages.Repository}:{GuestImages.Tag}";

    /// <summary>The kernel image's manifest digest.</summary>
    public static Digest Digest => Get().Digests.Guest;

    /// <summary>Registry settings that reach the shared registry (plain HTTP).</summary>
    public static RegistryOptions RegistryOptions => new() { PlainHttp = [Registry] };

    private static (RegistryServer Server, GuestImageDigests Digests) Get() => Published.Value.GetAwaiter().GetResult();

    private static async Task<(RegistryServer, GuestImageDigests)> PublishAsync()
    {
        var outDir = await GuestImages.BuildAsync(CancellationToken.None);
        var server = await RegistryServer.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = [server.Address] }, TimeProvider.System);
        return (server, await GuestImages.PublishAsync(client, server.Address, outDir, CancellationToken.None));
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
