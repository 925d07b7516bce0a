using System.Globalization;

namespace SuperCloud.Crds.Networking;

/// <summary>
/// An IPv4 prefix (<c>10.200.0.0/24</c>) and the address arithmetic overlay pools need, shared by the operator (IPAM,
/// validation) and the node agent (flows). Addresses are host-order <see cref="uint"/>s; text is strict dotted-quad.
/// </summary>
/// <param name="Network">The network address (host bits zero).</param>
/// <param name="Length">The prefix length, 0 to 32.</param>
public readonly record struct Ipv4Prefix(uint Network, int Length)
{
    /// <summary>The netmask as an address.</summary>
    public uint Mask => Length == 0 ? 0u : uint.MaxValue << (32 - Length);

    /// <summary>The last address of the prefix.</summary>
    public uint Broadcast => Network | ~Mask;

    /// <summary>How many addresses the prefix holds.</summary>
    public long Size => 1L << (32 - Length);

    /// <summary>Whether <paramref name="address"/> lies in the prefix.</summary>
    public bool Contains(uint address) => (address & Mask) == Network;

    /// <summary>Whether the two prefixes share an address.</summary>
    public bool Overlaps(Ipv4Prefix other) => Contains(other.Network) || other.Contains(Network);

    /// <summary><c>a.b.c.d/len</c>.</summary>
    public override string ToString() => $"{FormatAddress(Network)}/{Length.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses <c>a.b.c.d/len</c>; <paramref name="error"/> says what is wrong otherwise (host bits set, prefix length out of
    /// range, not an IPv4 address).
    /// </summary>
    public static bool TryParse(string? text, out Ipv4Prefix prefix, out string? error)
    {
        prefix = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0)
        {
            error = $"must be an IPv4 CIDR like 10.200.0.0/24, got '{text}'";
            return false;
        }

        if (!TryParseAddress(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 32
            || text[(slash + 1)..].Length is 0 or > 2)
        {
            error = $"must be an IPv4 CIDR like 10.200.0.0/24, got '{text}'";
            return false;
        }

        var candidate = new Ipv4Prefix(address, length);
        if ((address & candidate.Mask) != address)
        {
            error = $"'{text}' has host bits set: the network is {new Ipv4Prefix(address & candidate.Mask, length)}";
            return false;
        }

        prefix = candidate;
        error = null;
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="FormatException"/> with the reason.</summary>
    public static Ipv4Prefix Parse(string text) => TryParse(text, out var prefix, out var error) ? prefix : throw new FormatException(error);

    /// <summary>Parses a strict dotted-quad IPv4 address (four decimal octets without leading zeros).</summary>
    public static bool TryParseAddress(string? text, out uint address)
    {
        address = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !part.All(char.IsAsciiDigit))
            {
                return false;
            }

            var octet = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                return false;
            }

            address = (address << 8) | (uint)octet;
        }

        return true;
    }

    /// <summary>Parses a dotted-quad address, throwing <see cref="FormatException"/> naming it otherwise.</summary>
    public static uint ParseAddress(string text) =>
        TryParseAddress(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address");

    /// <summary>Formats a host-order address as a dotted quad.</summary>
    public static string FormatAddress(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");
}
