namespace SuperCloud.Images.Tests;

public sealed class VmImageTests
{
    private static readonly Digest Some = Digest.Of([7]);

    [Fact]
    public void Kernel_image_with_initrd_and_disk_image_are_accepted()
    {
        var kernel = VmImage.FromManifest(Some, Manifest(Layer(MediaTypes.VmKernel), Layer(MediaTypes.VmInitrd)));
        kernel.Kernel.Should().NotBeNull();
        kernel.Disk.Should().BeNull();
        var disk = VmImage.FromManifest(Some, Manifest(Layer(MediaTypes.VmDiskQcow2)));
        disk.Disk.Should().NotBeNull();
        disk.Blobs.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("application/vnd.oci.image.layer.v1.tar+gzip", "media type")]
    [InlineData(MediaTypes.VmInitrd, "initrd but no kernel")]
    public void Layers_that_are_not_a_vm_image_are_refused(string mediaType, string message)
    {
        var act = () => VmImage.FromManifest(Some, Manifest(Layer(mediaType)));
        act.Should().Throw<RegistryException>().Which.Should().Match<RegistryException>(e => e.Kind == RegistryErrorKind.InvalidImage && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Container_images_and_repeated_layers_are_refused()
    {
        var container = new ImageManifest { Config = new Descriptor { MediaType = "application/vnd.oci.image.config.v1+json", Digest = Some.ToString(), Size = 2 }, Layers = [Layer(MediaTypes.VmKernel)] };
        var act = () => VmImage.FromManifest(Some, container);
        act.Should().Throw<RegistryException>().WithMessage("*not a SuperCloud VM image*");
        var twice = () => VmImage.FromManifest(Some, Manifest(Layer(MediaTypes.VmKernel), Layer(MediaTypes.VmKernel)));
        twice.Should().Throw<RegistryException>().WithMessage("*more than one*");
        var empty = () => VmImage.FromManifest(Some, Manifest());
        empty.Should().Throw<RegistryException>().WithMessage("*neither a kernel nor a disk*");
    }

    private static ImageManifest Manifest(params Descriptor[] layers) =>
        new() { Config = new Descriptor { MediaType = MediaTypes.VmConfig, Digest = Some.ToString(), Size = 2 }, Layers = layers };

    private static Descriptor Layer(string mediaType) => new() { MediaType = mediaType, Digest = Some.ToString(), Size = 10 };
}
