using System.Security.Cryptography;
using System.Text;

namespace SuperCloud.Operator.Networking;

/// <summary>The MACs of the overlay: every pool gateway's, and those derived for interfaces that name none.</summary>
public static class MacAddresses
{
    /// <summary>The MAC every pool's gateway address answers with on every host (a distributed gateway).</summary>
    public const string Gateway = "02:5c:00:00:00:01";

    /// <summary>
    /// A locally administered unicast MAC (<c>0a:..</c>) from a SuperPod's UID, interface and attempt: stable across
    /// reconciles and restarts, and another attempt when it collides with one in use.
    /// </summary>
    public static string Derive(string uid, string iface, int attempt)
    {
        ArgumentNullException.ThrowIfNull(uid);
        ArgumentNullException.ThrowIfNull(iface);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{uid}/{iface}/{attempt}"));
        return $"0a:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}:{hash[3]:x2}:{hash[4]:x2}";
    }

    /// <summary>The canonical form (lower-case, colons) of a MAC, or null when it is not a unicast MAC.</summary>
    public static string? Normalize(string? mac)
    {
        if (mac is null || mac.Length != 17)
        {
            return null;
        }

        var lower = mac.ToLowerInvariant().Replace('-', ':');
        for (var i = 0; i < 17; i++)
        {
            var separator = i % 3 == 2;
            if (separator ? lower[i] != ':' : !char.IsAsciiHexDigitLower(lower[i]) && !char.IsAsciiDigit(lower[i]))
            {
                return null;
            }
        }

        return (Convert.ToByte(lower[..2], 16) & 1) == 0 ? lower : null;
    }
}
