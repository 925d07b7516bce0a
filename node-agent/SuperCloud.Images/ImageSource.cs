namespace SuperCloud.Images;

/// <summary>An image to pull: where it was published (registry/repository) and its manifest digest.</summary>
/// <param name="Name">registry/repository, e.g. <c>registry.example.com:5000/supercloud/test-guest</c>.</param>
/// <param name="Digest">The manifest digest.</param>
public sealed record ImageSource(string Name, Digest Digest)
{
    /// <summary>Parses <c>registry/repository@sha256:…</c>; throws <see cref="FormatException"/> otherwise.</summary>
    public static ImageSource Parse(string value)
    {
        var reference = ImageReference.Parse(value);
        return reference is { Registry: not null, Digest: { } digest, Tag: null }
            ? new ImageSource(reference.Name, digest)
            : throw new FormatException($"'{value}' must be registry/repository@sha256:<digest> (qualified and pinned by digest)");
    }

    /// <summary>The registry host[:port].</summary>
    public string Registry => Name[..Name.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>The repository path.</summary>
    public string Repository => Name[(Name.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <inheritdoc />
    public override string ToString() => $"{Name}@{Digest}";
}
