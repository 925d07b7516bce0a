namespace SuperCloud.Images;

/// <summary>
/// Copies an image by digest between repositories and registries, like <c>skopeo copy</c>: blobs the destination has are
/// skipped, blobs in the same registry are mounted, the others are downloaded (verified) and uploaded; the manifest bytes
/// are pushed unchanged, so the copy has the same digest.
/// </summary>
/// <param name="client">The registry client (one client reaches every registry).</param>
public sealed class ImageCopier(RegistryClient client)
{
    /// <summary>
    /// Copies the image manifest <paramref name="digest"/> of <paramref name="source"/> (registry/repository) to
    /// <paramref name="destination"/> (registry/repository), tagging it <paramref name="tag"/> when given; returns the bytes copied.
    /// </summary>
    public async Task<long> CopyAsync(ImageReference source, Digest digest, ImageReference destination, string? tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var (fromRegistry, toRegistry) = (Require(source), Require(destination));
        var manifest = await client.GetManifestAsync(fromRegistry, source.Repository, digest, cancellationToken);
        if (MediaTypes.IsIndex(manifest.MediaType))
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"{source}@{digest} is an index; copy its manifests one by one");
        }

        var parsed = ImageManifest.Parse(manifest.Bytes);
        long copied = 0;
        foreach (var blob in parsed.Layers.Prepend(parsed.Config))
        {
            var blobDigest = blob.ParsedDigest();
            if (await client.BlobExistsAsync(toRegistry, destination.Repository, blobDigest, cancellationToken))
            {
                continue;
            }

            if (fromRegistry == toRegistry && await client.MountBlobAsync(toRegistry, destination.Repository, blobDigest, source.Repository, cancellationToken))
            {
                continue;
            }

            var temp = Path.GetTempFileName();
            try
            {
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    await client.GetBlobAsync(fromRegistry, source.Repository, blobDigest, blob.Size, file, null, cancellationToken);
                }

                await using (var file = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous))
                {
                    await client.PushBlobAsync(toRegistry, destination.Repository, blobDigest, blob.Size, file, cancellationToken);
                }

                copied += blob.Size;
            }
            finally
            {
                File.Delete(temp);
            }
        }

        await client.PushManifestAsync(toRegistry, destination.Repository, manifest.Bytes, manifest.MediaType, tag ?? digest.ToString(), cancellationToken);
        return copied;
    }

    private static string Require(ImageReference reference) =>
        reference.Registry ?? throw new ArgumentException($"'{reference}' names no registry", nameof(reference));
}
