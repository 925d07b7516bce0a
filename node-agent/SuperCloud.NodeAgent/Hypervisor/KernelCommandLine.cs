using System.Globalization;
using System.Net;
using System.Text;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>
/// The kernel command line a VM boots with: its spec's (or its image's), followed by one <c>ip=</c> parameter per NIC with a static
/// address, in the form initramfs network tools read (dracut's): <c>ip=ADDR::GATEWAY:NETMASK:HOSTNAME:IFACE:none:MTU:MAC</c>.
/// The guest finds the interface by its MAC, so the order the guest names its NICs in does not matter.
/// </summary>
public static class KernelCommandLine
{
    /// <summary>The command line for <paramref name="spec"/>: <paramref name="baseCmdline"/> (the spec's or its image's) and the NICs' addresses.</summary>
    public static string For(VmSpec spec, string baseCmdline)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var line = new StringBuilder(baseCmdline);
        var nics = spec.Nics ?? [];
        for (var i = 0; i < nics.Count; i++)
        {
            if (nics[i].Address is not { } address)
            {
                continue;
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(CultureInfo.InvariantCulture, $"ip={address.Ip}::{address.Gateway}:{Netmask(address.PrefixLength)}:{spec.Hostname}:eth{i}:none:");
            if (address.Mtu > 0)
            {
                line.Append(address.Mtu.ToString(CultureInfo.InvariantCulture));
            }

            line.Append(':').Append(nics[i].Mac);
        }

        return line.ToString();
    }

    /// <summary>The dotted netmask of a prefix length (24 → 255.255.255.0).</summary>
    public static string Netmask(int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        var mask = prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
        return new IPAddress([(byte)(mask >> 24), (byte)(mask >> 16), (byte)(mask >> 8), (byte)mask]).ToString();
    }
}
