using System.Net;
using System.Net.Sockets;
using SuperCloud.Lab.Registry;

namespace SuperCloud.Images.Tests;

/// <summary>The distribution client against a real docker-registry: push, resolve, verified pulls, copies, failures.</summary>
public sealed class RegistryClientTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly TestFiles _files = new();

    [SkippableFact]
    public async Task Published_image_resolves_by_tag_to_its_manifest_digest_and_its_blobs_pull_verified()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var client = Client();
        var kernel = _files.Random("kernel", 300_000);
        var initrd = _files.Random("initrd", 120_000);
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, "tests/resolve", "v1",
            new VmImageFiles(kernel, initrd, null, "console=ttyS0"), CancellationToken.None);

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/resolve:v1"), "amd64", CancellationToken.None);
        resolved.Digest.Should().Be(digest.ToString());
        resolved.MediaType.Should().Be(MediaTypes.OciManifest);

        var manifest = await client.GetManifestAsync(registry.Address, "tests/resolve", digest, CancellationToken.None);
        var image = VmImage.FromManifest(digest, ImageManifest.Parse(manifest.Bytes));
        image.Kernel!.Size.Should().Be(300_000);
        image.Disk.Should().BeNull();
        using var pulled = new MemoryStream();
        long reported = 0;
        await client.GetBlobAsync(registry.Address, "tests/resolve", image.Kernel.ParsedDigest(), image.Kernel.Size, pulled, new ProgressCallback<long>(b => reported = b), CancellationToken.None);
        pulled.ToArray().Should().Equal(await File.ReadAllBytesAsync(kernel));
        reported.Should().Be(300_000);
    }

    [SkippableFact]
    public async Task Same_files_publish_to_the_same_digest_and_blobs_are_not_sent_twice()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var client = Client();
        var files = new VmImageFiles(_files.Random("k2", 5000), null, null, null);
        var publisher = new VmImagePublisher(client);
        var first = await publisher.PublishAsync(registry.Address, "tests/twice", "a", files, CancellationToken.None);
        var second = await publisher.PublishAsync(registry.Address, "tests/twice", "b", files, CancellationToken.None);
        second.Should().Be(first);
        (await client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/twice:b"), "amd64", CancellationToken.None)).Digest.Should().Be(first.ToString());
    }

    [SkippableFact]
    public async Task Large_blobs_upload_in_chunks_and_download_whole()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        var options = new RegistryOptions { PlainHttp = [registry.Address], UploadChunkBytes = 64 * 1024 };
        using var client = new RegistryClient(options, TimeProvider.System);
        var disk = _files.Random("big", 1_000_000 + 17);
        var digest = Digest.Of(await File.ReadAllBytesAsync(disk));
        await using (var content = File.OpenRead(disk))
        {
            await client.PushBlobAsync(registry.Address, "tests/chunked", digest, content.Length, content, CancellationToken.None);
        }

        (await client.BlobExistsAsync(registry.Address, "tests/chunked", digest, CancellationToken.None)).Should().BeTrue();
        using var pulled = new MemoryStream();
        await client.GetBlobAsync(registry.Address, "tests/chunked", digest, 1_000_017, pulled, null, CancellationToken.None);
        Digest.Of(pulled.ToArray()).Should().Be(digest);
    }

    [SkippableFact]
    public async Task A_corrupted_blob_in_the_registry_is_refused_with_a_digest_mismatch()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var client = Client();
        var kernel = _files.Random("kcorrupt", 40_000);
        var digest = Digest.Of(await File.ReadAllBytesAsync(kernel));
        await using (var content = File.OpenRead(kernel))
        {
            await client.PushBlobAsync(registry.Address, "tests/corrupt", digest, content.Length, content, CancellationToken.None);
        }

        var data = registry.Server.BlobDataPath(digest.Hex);
        var bytes = await File.ReadAllBytesAsync(data);
        bytes[20_000] ^= 0x40;
        await File.WriteAllBytesAsync(data, bytes);

        var pull = () => client.GetBlobAsync(registry.Address, "tests/corrupt", digest, 40_000, Stream.Null, null, CancellationToken.None);
        (await pull.Should().ThrowAsync<RegistryException>()).Which.Should().Match<RegistryException>(e =>
            e.Kind == RegistryErrorKind.DigestMismatch && e.Message.Contains(digest.ToString(), StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Missing_tags_and_repositories_are_not_found_and_a_closed_port_is_unreachable()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var client = Client();
        var missingTag = () => client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/nothing:here"), "amd64", CancellationToken.None);
        (await missingTag.Should().ThrowAsync<RegistryException>()).Which.Kind.Should().Be(RegistryErrorKind.NotFound);

        var closed = ClosedPort();
        using var unreachableClient = new RegistryClient(new RegistryOptions { PlainHttp = [closed], RequestTimeout = TimeSpan.FromSeconds(5) }, TimeProvider.System);
        var unreachable = () => unreachableClient.ResolveAsync(ImageReference.Parse($"{closed}/tests/any:v1"), "amd64", CancellationToken.None);
        (await unreachable.Should().ThrowAsync<RegistryException>()).Which.Should().Match<RegistryException>(e =>
            e.Kind == RegistryErrorKind.Unreachable && e.Message.Contains(closed, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task An_index_resolves_to_the_manifest_of_the_asked_architecture()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var client = Client();
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, "tests/index", "amd64-only",
            new VmImageFiles(_files.Random("kidx", 1000), null, null, null), CancellationToken.None);
        var manifest = await client.GetManifestAsync(registry.Address, "tests/index", digest, CancellationToken.None);
        var index = new ImageIndex
        {
            Manifests =
            [
                new Descriptor { MediaType = MediaTypes.OciManifest, Digest = digest.ToString(), Size = manifest.Bytes.Length, Platform = new Platform { Architecture = "amd64", Os = "linux" } },
            ],
        };
        await client.PushManifestAsync(registry.Address, "tests/index", index.ToBytes(), MediaTypes.OciIndex, "multi", CancellationToken.None);

        var resolved = await client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/index:multi"), "amd64", CancellationToken.None);
        resolved.Digest.Should().Be(digest.ToString());
        var other = () => client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/index:multi"), "arm64", CancellationToken.None);
        (await other.Should().ThrowAsync<RegistryException>()).Which.Kind.Should().Be(RegistryErrorKind.NotFound);
    }

    [SkippableFact]
    public async Task A_manifest_whose_stored_bytes_changed_is_refused_with_a_digest_mismatch()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var client = Client();
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, "tests/tampered", "v1", new VmImageFiles(_files.Random("kpin", 1000), null, null, null), CancellationToken.None);
        var data = registry.Server.BlobDataPath(digest.Hex);
        var text = await File.ReadAllTextAsync(data);
        await File.WriteAllTextAsync(data, text.Replace("vmlinuz", "vmlinuy", StringComparison.Ordinal));

        var pull = () => client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/tampered@{digest}"), "amd64", CancellationToken.None);
        (await pull.Should().ThrowAsync<RegistryException>()).Which.Kind.Should().Be(RegistryErrorKind.DigestMismatch);
        var byTag = () => client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/tampered:v1"), "amd64", CancellationToken.None);
        (await byTag.Should().ThrowAsync<RegistryException>()).Which.Kind.Should().Be(RegistryErrorKind.DigestMismatch, "the registry announces the digest the tag points at");
    }

    [SkippableFact]
    public async Task Images_copy_by_digest_between_registries_and_mount_within_one()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var other = await RegistryServer.StartAsync();
        var options = new RegistryOptions { PlainHttp = [registry.Address, other.Address] };
        using var client = new RegistryClient(options, TimeProvider.System);
        var source = ImageReference.Parse($"{registry.Address}/tests/copy-source");
        var digest = await new VmImagePublisher(client).PublishAsync(registry.Address, source.Repository, "v1",
            new VmImageFiles(_files.Random("kcopy", 200_000), _files.Random("icopy", 50_000), null, null), CancellationToken.None);
        var copier = new ImageCopier(client);

        var across = await copier.CopyAsync(source, digest, ImageReference.Parse($"{other.Address}/tests/copy-dest"), "v1", CancellationToken.None);
        across.Should().BeGreaterThan(250_000);
        (await client.ResolveAsync(ImageReference.Parse($"{other.Address}/tests/copy-dest:v1"), "amd64", CancellationToken.None)).Digest.Should().Be(digest.ToString());

        var again = await copier.CopyAsync(source, digest, ImageReference.Parse($"{other.Address}/tests/copy-dest"), "v1", CancellationToken.None);
        again.Should().Be(0, "every blob is there already");

        var within = await copier.CopyAsync(source, digest, ImageReference.Parse($"{registry.Address}/tests/copy-mounted"), null, CancellationToken.None);
        within.Should().Be(0, "blobs in the same registry are mounted, not sent");
        (await client.ResolveAsync(ImageReference.Parse($"{registry.Address}/tests/copy-mounted@{digest}"), "amd64", CancellationToken.None)).Digest.Should().Be(digest.ToString());
    }

    public void Dispose() => _files.Dispose();

    private RegistryClient Client() => new(new RegistryOptions { PlainHttp = [registry.Address] }, TimeProvider.System);

    private static string ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}
