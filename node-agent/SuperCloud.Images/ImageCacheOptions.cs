namespace SuperCloud.Images;

/// <summary>Settings of a host's image cache; bound from the <c>Images</c> configuration section.</summary>
public sealed class ImageCacheOptions
{
    /// <summary>Where the content-addressed store lives.</summary>
    public string Directory { get; set; } = "/var/lib/supercloud/images";

    /// <summary>
    /// Registries (host[:port]) asked first for any image, in order, before the image's own registry: this cloud's
    /// registry, so images are pulled near the host. Content is addressed by digest, so a mirror cannot substitute it.
    /// </summary>
    public IList<string> Mirrors { get; init; } = [];

    /// <summary>How long an image no VM uses stays cached (a VM created again soon needs no pull).</summary>
    public TimeSpan UnusedRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often unused images are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How the registries are reached.</summary>
    public RegistryOptions Registry { get; init; } = new();

    /// <summary>Returns the problems in these options, each naming its setting under <paramref name="section"/>.</summary>
    public IReadOnlyList<string> Validate(string section)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory) || !Path.IsPathFullyQualified(Directory))
        {
            errors.Add($"{section}:Directory must be an absolute path, got '{Directory}'");
        }

        foreach (var mirror in Mirrors)
        {
            if (string.IsNullOrWhiteSpace(mirror) || mirror.Contains('/', StringComparison.Ordinal))
            {
                errors.Add($"{section}:Mirrors entries must be host[:port], got '{mirror}'");
            }
        }

        if (UnusedRetention < TimeSpan.Zero)
        {
            errors.Add($"{section}:UnusedRetention must not be negative, got {UnusedRetention}");
        }

        if (CollectionInterval <= TimeSpan.Zero)
        {
            errors.Add($"{section}:CollectionInterval must be positive, got {CollectionInterval}");
        }

        errors.AddRange(Registry.Validate(section + ":Registry"));
        return errors;
    }
}
