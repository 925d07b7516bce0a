using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SuperCloud.Images;

/// <summary>A content digest, <c>sha256:</c> and 64 lower-case hex digits: the only algorithm registries and this cache accept.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    /// <summary>The algorithm prefix every digest carries.</summary>
    public const string Sha256Prefix = "sha256:";

    private Digest(string hex) => Hex = hex;

    /// <summary>The 64 hex digits.</summary>
    public string Hex { get; }

    /// <summary>Parses <c>sha256:&lt;64 hex&gt;</c>; throws <see cref="FormatException"/> naming the value otherwise.</summary>
    public static Digest Parse(string value) =>
        TryParse(value, out var digest) ? digest : throw new FormatException($"'{value}' is not a sha256 digest (sha256: followed by 64 lower-case hex digits)");

    /// <summary>Parses <c>sha256:&lt;64 hex&gt;</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest)
    {
        digest = default;
        if (value is null || value.Length != Sha256Prefix.Length + 64 || !value.StartsWith(Sha256Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var hex = value[Sha256Prefix.Length..];
        if (!hex.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
        {
            return false;
        }

        digest = new Digest(hex);
        return true;
    }

    /// <summary>The digest of <paramref name="content"/>.</summary>
    public static Digest Of(ReadOnlySpan<byte> content) => new(Convert.ToHexStringLower(SHA256.HashData(content)));

    /// <summary>The digest from a finished hash of the content.</summary>
    internal static Digest FromHash(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    /// <inheritdoc />
    public override string ToString() => Sha256Prefix + Hex;
}
