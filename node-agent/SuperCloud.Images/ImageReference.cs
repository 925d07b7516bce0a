using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace SuperCloud.Images;

/// <summary>
/// An image reference as the OCI distribution spec and Docker write it: <c>[registry/]repository[:tag][@sha256:…]</c>.
/// The registry is the first path component when it contains a dot or a colon or is <c>localhost</c>; without one the
/// reference is unqualified and the configuration says which registry serves it.
/// </summary>
public sealed partial record ImageReference
{
    /// <summary>The tag used when a reference names neither a tag nor a digest.</summary>
    public const string DefaultTag = "latest";

    /// <summary>The longest reference accepted (the distribution spec's limit on names is 255 characters).</summary>
    public const int MaxLength = 512;

    private ImageReference(string? registry, string repository, string? tag, Digest? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>host[:port] of the registry, or null when unqualified.</summary>
    public string? Registry { get; }

    /// <summary>The repository path inside the registry, e.g. <c>supercloud/test-guest</c>.</summary>
    public string Repository { get; }

    /// <summary>The tag, or null.</summary>
    public string? Tag { get; }

    /// <summary>The manifest digest, or null.</summary>
    public Digest? Digest { get; }

    /// <summary><c>registry/repository</c>, or the repository alone when unqualified.</summary>
    public string Name => Registry is null ? Repository : $"{Registry}/{Repository}";

    /// <summary>Parses a reference; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ImageReference Parse(string value) =>
        TryParse(value, out var reference, out var error) ? reference : throw new FormatException(error);

    /// <summary>Parses a reference; <paramref name="error"/> says what is wrong when it is not one.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "an image reference must not be empty";
            return false;
        }

        if (value.Length > MaxLength)
        {
            error = $"an image reference must be at most {MaxLength} characters, got {value.Length}";
            return false;
        }

        var match = ReferencePattern().Match(value);
        if (!match.Success)
        {
            error = $"'{value}' is not an image reference: expected [registry[:port]/]repository[:tag][@sha256:<64 hex digits>], " +
                "repository components of lower-case letters, digits and separators (. _ __ -), e.g. registry.example.com/supercloud/test-guest:latest";
            return false;
        }

        var name = match.Groups["name"].Value;
        string? registry = null;
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = name[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                registry = first;
                name = name[(slash + 1)..];
            }
        }

        if (!RepositoryPattern().IsMatch(name))
        {
            error = $"'{value}': repository '{name}' must be lower-case path components of letters and digits joined by '.', '_', '__' or '-'";
            return false;
        }

        Digest? digest = null;
        if (match.Groups["digest"].Success)
        {
            if (!Images.Digest.TryParse(match.Groups["digest"].Value, out var parsed))
            {
                error = $"'{value}': '{match.Groups["digest"].Value}' is not a sha256 digest";
                return false;
            }

            digest = parsed;
        }

        reference = new ImageReference(registry, name, match.Groups["tag"].Success ? match.Groups["tag"].Value : null, digest);
        error = null;
        return true;
    }

    /// <summary>This reference in <paramref name="registry"/> when it names none (the same reference otherwise).</summary>
    public ImageReference Qualify(string registry) => Registry is null ? new ImageReference(registry, Repository, Tag, Digest) : this;

    /// <summary>The same repository pinned to <paramref name="digest"/> (the tag is dropped: the digest is what is meant).</summary>
    public ImageReference WithDigest(Digest digest) => new(Registry, Repository, null, digest);

    /// <summary>The tag, or the digest, or <see cref="DefaultTag"/>: what to ask the registry's manifest endpoint for.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag ?? DefaultTag;

    /// <inheritdoc />
    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    // host[:port]/path components, then an optional tag, then an optional digest; the repository is checked on its own.
    [GeneratedRegex(@"^(?<name>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>[a-z0-9]+:[a-zA-Z0-9]+))?$")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();
}
