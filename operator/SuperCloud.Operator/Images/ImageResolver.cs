using SuperCloud.Images;

namespace SuperCloud.Operator.Images;

/// <summary>
/// Resolves the images SuperPods name to manifest digests, once per SuperPod: a tag is looked up in its registry (the
/// default registry for an unqualified name), the manifest fetched and verified against its digest, and checked to be a
/// SuperCloud VM image. Nodes then pull exactly that digest, wherever and whenever the SuperPod runs.
/// </summary>
/// <param name="client">The registry client.</param>
/// <param name="defaultRegistry">host[:port] serving unqualified names, or null (then they are refused).</param>
public sealed class ImageResolver(RegistryClient client, string? defaultRegistry)
{
    /// <summary>The architecture of the hosts (QEMU's x86_64 machines).</summary>
    public const string Architecture = "amd64";

    /// <summary>Resolves <paramref name="image"/>; throws <see cref="RegistryException"/> saying why it cannot be used.</summary>
    public async Task<ResolvedImage> ResolveAsync(string image, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(image, out var reference, out var error))
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, error);
        }

        if (reference.Registry is null)
        {
            reference = defaultRegistry is { Length: > 0 } registry
                ? reference.Qualify(registry)
                : throw new RegistryException(RegistryErrorKind.InvalidImage, $"'{image}' names no registry and the operator has no default registry (--default-registry)");
        }

        var descriptor = await client.ResolveAsync(reference, Architecture, cancellationToken);
        var digest = descriptor.ParsedDigest();
        var manifest = await client.GetManifestAsync(reference.Registry!, reference.Repository, digest, cancellationToken);
        var vmImage = VmImage.FromManifest(digest, ImageManifest.Parse(manifest.Bytes));
        return new ResolvedImage(new ImageSource(reference.Name, digest), vmImage);
    }
}
