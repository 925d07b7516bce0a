using System.Security.Cryptography;

namespace SuperCloud.Images;

/// <summary>Pushes VM images: files become layers with their media types, a config and an OCI manifest under a tag.</summary>
/// <param name="client">The registry client.</param>
public sealed class VmImagePublisher(RegistryClient client)
{
    /// <summary>
    /// Pushes <paramref name="files"/> to <paramref name="registry"/>/<paramref name="repository"/>:<paramref name="tag"/>
    /// (blobs the repository has are not sent again) and returns the manifest's digest. The same files give the same digest.
    /// </summary>
    public async Task<Digest> PublishAsync(string registry, string repository, string tag, VmImageFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var layers = new List<Descriptor>();
        foreach (var (path, mediaType, title) in new[]
                 {
                     (files.Kernel, MediaTypes.VmKernel, "vmlinuz"),
                     (files.Initrd, MediaTypes.VmInitrd, "initrd"),
                     (files.Disk, MediaTypes.VmDiskQcow2, "disk.qcow2"),
                 })
        {
            if (path is null)
            {
                continue;
            }

            var (digest, size) = await DigestFileAsync(path, cancellationToken);
            await using (var content = File.OpenRead(path))
            {
                await client.PushBlobAsync(registry, repository, digest, size, content, cancellationToken);
            }

            layers.Add(new Descriptor
            {
                MediaType = mediaType,
                Digest = digest.ToString(),
                Size = size,
                Annotations = new Dictionary<string, string> { ["org.opencontainers.image.title"] = title },
            });
        }

        var configBytes = new VmImageConfig { KernelCmdline = files.KernelCmdline }.ToBytes();
        var configDigest = Digest.Of(configBytes);
        using (var config = new MemoryStream(configBytes))
        {
            await client.PushBlobAsync(registry, repository, configDigest, configBytes.Length, config, cancellationToken);
        }

        var manifest = new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.VmConfig, Digest = configDigest.ToString(), Size = configBytes.Length },
            Layers = layers,
        };

        // Refuse to publish what the pull side would refuse.
        var bytes = manifest.ToBytes();
        VmImage.FromManifest(Digest.Of(bytes), manifest);
        return await client.PushManifestAsync(registry, repository, bytes, MediaTypes.OciManifest, tag, cancellationToken);
    }

    private static async Task<(Digest Digest, long Size)> DigestFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return (Digest.FromHash(hash), stream.Length);
    }
}
