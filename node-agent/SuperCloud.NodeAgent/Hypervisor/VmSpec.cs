using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SuperCloud.Images;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>
/// What a hypervisor driver needs to run one VM: identity, size, the image it boots from, its disks, its cloud-init data
/// and NICs. Images are named by digest and resolved from the host's image cache: a spec names no host file.
/// </summary>
/// <param name="Id">Unique id on this host; a DNS label, because it names the VM's state directory.</param>
/// <param name="Vcpus">Number of virtual CPUs.</param>
/// <param name="MemoryMib">Guest memory in MiB.</param>
/// <param name="Boot">The boot image and kernel command line.</param>
/// <param name="Nics">Network interfaces, possibly none.</param>
public sealed partial record VmSpec(string Id, int Vcpus, long MemoryMib, VmBoot Boot, IReadOnlyList<VmNic> Nics)
{
    /// <summary>The most disks a VM may have besides its boot image's.</summary>
    public const int MaxDisks = 16;

    /// <summary>Disks after the boot image's own disk, in order.</summary>
    public IReadOnlyList<VmDisk> Disks { get; init; } = [];

    /// <summary>The cloud-init NoCloud seed, or null for none.</summary>
    public VmCloudInit? CloudInit { get; init; }

    /// <summary>Every image the VM needs: the boot image and the images of its disks.</summary>
    [JsonIgnore]
    public IEnumerable<ImageSource> ImageSources =>
        new[] { Boot?.Image }.Concat((Disks ?? []).Select(d => d.Image)).OfType<ImageSource>().Distinct();

    /// <summary>The largest guest the agent accepts, in MiB (1 TiB).</summary>
    public const long MaxMemoryMib = 1024 * 1024;

    /// <summary>The most vCPUs the agent accepts.</summary>
    public const int MaxVcpus = 256;

    /// <summary>The guest's host name (a DNS label), passed on the kernel command line with the NICs' addresses; null for none.</summary>
    public string? Hostname { get; init; }

    /// <summary>Checks every field and returns all problems found (empty when the spec is valid).</summary>
    public IReadOnlyList<VmSpecError> Validate()
    {
        var errors = new List<VmSpecError>();
        if (!IsValidId(Id))
        {
            errors.Add(new("spec.id", $"must be a DNS label (lower-case letters, digits and '-', at most 63 characters), got '{Id}'"));
        }

        if (Vcpus is < 1 or > MaxVcpus)
        {
            errors.Add(new("spec.vcpus", $"must be between 1 and {MaxVcpus}, got {Vcpus}"));
        }

        if (MemoryMib is < 16 or > MaxMemoryMib)
        {
            errors.Add(new("spec.memoryMib", $"must be between 16 and {MaxMemoryMib}, got {MemoryMib}"));
        }

        if (Boot is null)
        {
            errors.Add(new("spec.boot", "is required"));
        }
        else
        {
            if (Boot.Image is null)
            {
                errors.Add(new("spec.boot.image", "is required: a VM boots from an image pinned by digest"));
            }

            if (Boot.Cmdline?.Any(char.IsControl) == true)
            {
                errors.Add(new("spec.boot.cmdline", "must not contain control characters"));
            }
            else if (Boot.Cmdline?.Length > 4096)
            {
                errors.Add(new("spec.boot.cmdline", $"must be at most 4096 characters, got {Boot.Cmdline.Length}"));
            }
        }

        ValidateDisks(errors);
        ValidateCloudInit(errors);

        var nics = Nics ?? [];
        for (var i = 0; i < nics.Count; i++)
        {
            var nic = nics[i];
            if (string.IsNullOrEmpty(nic.TapDevice) || nic.TapDevice.Length > 15 || !TapPattern().IsMatch(nic.TapDevice))
            {
                errors.Add(new($"spec.nics[{i}].tapDevice", $"must be 1-15 characters of letters, digits, '-', '_' or '.', got '{nic.TapDevice}'"));
            }

            if (string.IsNullOrEmpty(nic.Mac) || !MacPattern().IsMatch(nic.Mac))
            {
                errors.Add(new($"spec.nics[{i}].mac", $"must be a MAC address like 52:54:00:12:34:56, got '{nic.Mac}'"));
            }

            if (nic.Address is { } address)
            {
                CheckAddress(errors, $"spec.nics[{i}]", address);
            }

            if (nics.Take(i).Any(other => other.TapDevice == nic.TapDevice))
            {
                errors.Add(new($"spec.nics[{i}].tapDevice", $"'{nic.TapDevice}' is used by another NIC of this VM"));
            }
        }

        if (!string.IsNullOrEmpty(Hostname) && (Hostname.Length > 63 || !IdPattern().IsMatch(Hostname)))
        {
            errors.Add(new("spec.hostname", $"must be a DNS label (lower-case letters, digits and '-', at most 63 characters), got '{Hostname}'"));
        }

        return errors;
    }

    private static void CheckAddress(List<VmSpecError> errors, string field, GuestNicAddress address)
    {
        if (!IsIPv4(address.Ip))
        {
            errors.Add(new($"{field}.ip", $"must be an IPv4 address, got '{address.Ip}'"));
        }

        if (address.PrefixLength is < 1 or > 32)
        {
            errors.Add(new($"{field}.prefixLength", $"must be between 1 and 32, got {address.PrefixLength}"));
        }

        if (!string.IsNullOrEmpty(address.Gateway) && !IsIPv4(address.Gateway))
        {
            errors.Add(new($"{field}.gateway", $"must be an IPv4 address, got '{address.Gateway}'"));
        }

        if (address.Mtu != 0 && address.Mtu is < 576 or > 9000)
        {
            errors.Add(new($"{field}.mtu", $"must be between 576 and 9000 (or 0 for the guest's default), got {address.Mtu}"));
        }
    }

    private static bool IsIPv4(string? text) =>
        text is { Length: > 0 } && System.Net.IPAddress.TryParse(text, out var ip)
        && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && text.Count(c => c == '.') == 3;

    private void ValidateDisks(List<VmSpecError> errors)
    {
        var disks = Disks ?? [];
        if (disks.Count > MaxDisks)
        {
            errors.Add(new("spec.disks", $"must have at most {MaxDisks} disks, got {disks.Count}"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            var disk = disks[i];
            var field = $"spec.disks[{i}]";
            if (string.IsNullOrEmpty(disk.Name) || disk.Name.Length > VmDisk.MaxNameLength || !IdPattern().IsMatch(disk.Name))
            {
                errors.Add(new(field + ".name", $"must be a DNS label of at most {VmDisk.MaxNameLength} characters, got '{disk.Name}'"));
            }
            else if (disk.Name == VmDisk.BootDiskName)
            {
                errors.Add(new(field + ".name", $"'{VmDisk.BootDiskName}' is the boot image's disk; choose another name"));
            }
            else if (!names.Add(disk.Name))
            {
                errors.Add(new(field + ".name", $"'{disk.Name}' is used by another disk"));
            }

            if (disk.SizeBytes is < 0 or > VmDisk.MaxSizeBytes)
            {
                errors.Add(new(field + ".sizeBytes", $"must be between 0 and {VmDisk.MaxSizeBytes}, got {disk.SizeBytes}"));
            }
            else if (disk.Image is null && disk.SizeBytes < 1024 * 1024)
            {
                errors.Add(new(field + ".sizeBytes", $"an empty disk needs a size of at least 1 MiB, got {disk.SizeBytes}"));
            }
        }
    }

    private void ValidateCloudInit(List<VmSpecError> errors)
    {
        if (CloudInit is not { } seed)
        {
            return;
        }

        if (string.IsNullOrEmpty(seed.InstanceId) || seed.InstanceId.Length > 253 || !InstanceIdPattern().IsMatch(seed.InstanceId))
        {
            errors.Add(new("spec.cloudInit.instanceId", $"must be 1-253 letters, digits, '.', '_' or '-', got '{seed.InstanceId}'"));
        }

        if (string.IsNullOrEmpty(seed.Hostname) || seed.Hostname.Length > 63 || !IdPattern().IsMatch(seed.Hostname))
        {
            errors.Add(new("spec.cloudInit.hostname", $"must be a DNS label, got '{seed.Hostname}'"));
        }

        foreach (var (field, data) in new[] { ("userData", seed.UserData), ("networkData", seed.NetworkData) })
        {
            if (data is not null && System.Text.Encoding.UTF8.GetByteCount(data) > VmCloudInit.MaxDataBytes)
            {
                errors.Add(new($"spec.cloudInit.{field}", $"must be at most {VmCloudInit.MaxDataBytes} bytes"));
            }
        }
    }

    /// <summary>True when <paramref name="id"/> is a DNS label, as a VM id (and the name of its files) must be.</summary>
    public static bool IsValidId(string? id) => !string.IsNullOrEmpty(id) && id.Length <= 63 && IdPattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex TapPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex InstanceIdPattern();

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial Regex MacPattern();
}
