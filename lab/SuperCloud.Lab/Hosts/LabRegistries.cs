using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SuperCloud.Images;
using SuperCloud.Lab.Registry;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// One OCI registry per cloud (Debian's docker-registry), each in its own network namespace on its cloud's bridge at
/// <c>A.B.CLOUD.5:5000</c>, as a cloud's own registry is near its hosts: pulls stay inside the cloud, copies between clouds
/// cross the WAN. The test guest's images are pushed to the first cloud's registry and copied by digest to the others.
/// Namespaces, links and processes are recorded in the state before they are made, so <c>down</c> removes them.
/// </summary>
/// <param name="topology">Names and addresses.</param>
/// <param name="commands">Runs ip.</param>
/// <param name="store">The lab's state file.</param>
/// <param name="processes">Starts the registries detached.</param>
/// <param name="paths">Where their storage and logs go.</param>
/// <param name="time">The clock for deadlines.</param>
/// <param name="logger">Logs what is made.</param>
public sealed class LabRegistries(LabTopology topology, CommandRunner commands, LabStateStore store, LabProcesses processes, LabPaths paths, TimeProvider time, ILogger logger)
{
    /// <summary>The port every registry listens on.</summary>
    public const int Port = 5000;

    /// <summary>The host number of a cloud's registry in its /24.</summary>
    public const int HostNumber = 5;

    /// <summary>host:port of <paramref name="cloud"/>'s registry.</summary>
    public static string Address(LabTopology topology, LabCloud cloud)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(cloud);
        return string.Create(CultureInfo.InvariantCulture, $"{topology.Subnet.Address(cloud.Index, HostNumber)}:{Port}");
    }

    /// <summary>The network namespace of <paramref name="cloud"/>'s registry.</summary>
    public static string Namespace(LabTopology topology, LabCloud cloud)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(cloud);
        return string.Create(CultureInfo.InvariantCulture, $"{topology.Prefix}-reg{cloud.Index}");
    }

    /// <summary>
    /// Starts every cloud's registry, waits until each answers, pushes the images in <paramref name="guestDirectory"/>
    /// (build.sh's output) to the first and copies them by digest to the others. Returns the images' digests.
    /// </summary>
    public async Task<GuestImageDigests> StartAsync(string guestDirectory, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(s => s.Files.Add(LabPaths.RegistriesName), cancellationToken);
        foreach (var cloud in topology.Clouds)
        {
            await CreateNamespaceAsync(cloud, cancellationToken);
            var dir = paths.Registry(cloud.Name);
            Directory.CreateDirectory(Path.Combine(dir, "storage"));
            var config = Path.Combine(dir, "config.yml");
            RegistryConfig.Write(config, Path.Combine(dir, "storage"), Address(topology, cloud));
            var process = processes.StartDetached(LabProcessNames.Registry(cloud.Name), RegistryServer.Executable, ["serve", config], [], Namespace(topology, cloud), Path.Combine(dir, "registry.log"));
            await store.UpdateAsync(s => s.Processes[process.Name] = process, cancellationToken);
        }

        foreach (var cloud in topology.Clouds)
        {
            await WaitListeningAsync(cloud, cancellationToken);
        }

        var all = topology.Clouds.Select(c => Address(topology, c)).ToList();
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = all }, time);
        var primary = all[0];
        var digests = await GuestImages.PublishAsync(client, primary, guestDirectory, cancellationToken);
        var copier = new ImageCopier(client);
        foreach (var replica in all.Skip(1))
        {
            foreach (var (repository, digest) in new[] { (GuestImages.Repository, digests.Guest), (GuestImages.DiskRepository, digests.Disk) })
            {
                await copier.CopyAsync(ImageReference.Parse($"{primary}/{repository}"), digest, ImageReference.Parse($"{replica}/{repository}"), GuestImages.Tag, cancellationToken);
            }
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation(
                "Registries {Registries}: {Guest}@{GuestDigest} and {Disk}@{DiskDigest} pushed to {Primary} and copied by digest to the others",
                string.Join(", ", all), GuestImages.Repository, digests.Guest, GuestImages.DiskRepository, digests.Disk, primary);
        }

        return digests;
    }

    private async Task CreateNamespaceAsync(LabCloud cloud, CancellationToken cancellationToken)
    {
        var ns = Namespace(topology, cloud);
        var routerPort = string.Create(CultureInfo.InvariantCulture, $"c{cloud.Index}reg");
        await store.UpdateAsync(s => s.Namespaces.Add(ns), cancellationToken);
        await IpAsync(["netns", "add", ns], cancellationToken);
        await IpAsync(["-n", ns, "link", "set", "lo", "up"], cancellationToken);
        await IpAsync(["-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", routerPort, "netns", topology.RouterNamespace], cancellationToken);
        await IpAsync(["-n", topology.RouterNamespace, "link", "set", routerPort, "master", cloud.Bridge, "up"], cancellationToken);
        await IpAsync(["-n", ns, "addr", "add", topology.Subnet.Address(cloud.Index, HostNumber) + "/24", "dev", "eth0"], cancellationToken);
        await IpAsync(["-n", ns, "link", "set", "eth0", "up"], cancellationToken);
        await IpAsync(["-n", ns, "route", "add", "default", "via", cloud.Gateway], cancellationToken);
    }

    private async Task WaitListeningAsync(LabCloud cloud, CancellationToken cancellationToken)
    {
        var endpoint = IPEndPoint.Parse(Address(topology, cloud));
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(endpoint, cancellationToken);
                return;
            }
            catch (SocketException) when (time.GetUtcNow() < deadline)
            {
                var process = store.Read()?.Processes.GetValueOrDefault(LabProcessNames.Registry(cloud.Name));
                if (process is not null && !LabProcesses.IsRunning(process))
                {
                    throw new LabCommandException($"the registry of {cloud.Name} exited; see {process.Log}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
            catch (SocketException e)
            {
                throw new LabCommandException($"the registry of {cloud.Name} did not listen on {endpoint} within 30 s: {e.SocketErrorCode}");
            }
        }
    }

    private Task<string> IpAsync(string[] args, CancellationToken cancellationToken) => commands.RunAsync("ip", args, cancellationToken);
}
