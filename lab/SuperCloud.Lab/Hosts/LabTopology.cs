using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// Every name and address of one lab, derived from its data directory, subnet and clouds. Names in the root namespace
/// (the management veth) and the namespaces start with <see cref="Prefix"/>, which comes from the data directory's path,
/// so two labs in two directories never collide; interfaces inside the lab's namespaces need no prefix.
/// </summary>
public sealed record LabTopology
{
    /// <summary>Linux's limit on interface names (IFNAMSIZ - 1).</summary>
    public const int MaxInterfaceName = 15;

    private LabTopology(string id, LabSubnet subnet, IReadOnlyList<LabCloud> clouds, IReadOnlyList<LabHost> hosts)
    {
        Id = id;
        Subnet = subnet;
        Clouds = clouds;
        Hosts = hosts;
    }

    /// <summary>Six hex digits of the data directory path's SHA-256.</summary>
    public string Id { get; }

    /// <summary><c>sc</c> + <see cref="Id"/>.</summary>
    public string Prefix => "sc" + Id;

    /// <summary>The lab's /16.</summary>
    public LabSubnet Subnet { get; }

    /// <summary>The clouds, in the order given.</summary>
    public IReadOnlyList<LabCloud> Clouds { get; }

    /// <summary>The hosts, cloud by cloud.</summary>
    public IReadOnlyList<LabHost> Hosts { get; }

    /// <summary>The router namespace: forwards between the clouds' bridges and the management link.</summary>
    public string RouterNamespace => $"{Prefix}-wan";

    /// <summary>The root namespace's end of the management veth pair.</summary>
    public string ManagementLink => $"{Prefix}-m";

    /// <summary>The router namespace's end of the management veth pair.</summary>
    public const string RouterManagementLink = "mgmt";

    /// <summary>
    /// A short directory whose entries alias the hosts' VM directories: QEMU's QMP socket lives in a VM's directory, and a
    /// Unix socket path must stay under 108 bytes however deep the data directory is.
    /// </summary>
    public string AliasDirectory => AliasDirectoryOf(Id);

    /// <summary>See <see cref="AliasDirectory"/>.</summary>
    public static string AliasDirectoryOf(string id) => $"/run/sc{id}";

    /// <summary>The alias of <paramref name="host"/>'s VM directory in <see cref="AliasDirectory"/>.</summary>
    public string VmAlias(LabHost host) => Path.Combine(AliasDirectory, Invariant($"h{Hosts.ToList().IndexOf(host) + 1}"));

    /// <summary>
    /// The short alias of <paramref name="host"/>'s root for hostPath volumes (pods of <c>--install chart</c>): a VM
    /// directory under it still gives QMP sockets paths under the Unix limit.
    /// </summary>
    public string HostRootAlias(LabHost host) => Path.Combine(AliasDirectory, Invariant($"r{Hosts.ToList().IndexOf(host) + 1}"));

    /// <summary>The lab id of <paramref name="dataDir"/> (its full path).</summary>
    public static string IdOf(string dataDir)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir).TrimEnd('/')));
        return Convert.ToHexStringLower(hash)[..6];
    }

    /// <summary>Lays out <paramref name="clouds"/> in <paramref name="subnet"/> for the lab of id <paramref name="id"/>.</summary>
    public static LabTopology Create(string id, LabSubnet subnet, IReadOnlyList<CloudSpec> clouds)
    {
        ArgumentNullException.ThrowIfNull(clouds);
        var prefix = "sc" + id;
        var labClouds = new List<LabCloud>();
        var hosts = new List<LabHost>();
        for (var i = 0; i < clouds.Count; i++)
        {
            var index = i + 1;
            var cloud = new LabCloud(clouds[i], index, Invariant($"c{index}"), subnet.Address(index, 0) + "/24", subnet.Address(index, 1));
            labClouds.Add(cloud);
            for (var n = 1; n <= clouds[i].Hosts; n++)
            {
                var name = Invariant($"{cloud.Name}-{n}");
                hosts.Add(new LabHost(
                    name, cloud, n, Spot: cloud.Spec.SellsSpot && n % 2 == 0, $"{prefix}-{name}", subnet.Address(index, 10 + n), Invariant($"c{index}h{n}")));
            }
        }

        return new LabTopology(id, subnet, labClouds, hosts);
    }

    /// <summary>The cloud named <paramref name="name"/>; throws <see cref="LabUsageException"/> naming <paramref name="flag"/> otherwise.</summary>
    public LabCloud Cloud(string name, string flag) =>
        Clouds.FirstOrDefault(c => c.Name == name)
        ?? throw new LabUsageException($"{flag} \"{name}\": no such cloud in this lab (clouds: {string.Join(", ", Clouds.Select(c => c.Name))})");

    /// <summary>The host named <paramref name="name"/>; throws <see cref="LabUsageException"/> otherwise.</summary>
    public LabHost Host(string name) =>
        Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new LabUsageException($"--host \"{name}\": no such host in this lab (hosts: {string.Join(", ", Hosts.Select(h => h.Name))})");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
