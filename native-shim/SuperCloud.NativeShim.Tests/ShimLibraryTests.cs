namespace SuperCloud.NativeShim.Tests;

public sealed class ShimLibraryTests
{
    [Fact]
    public void Native_library_is_copied_beside_the_assembly()
    {
        File.Exists(Path.Combine(AppContext.BaseDirectory, "libsupercloud_shim.so")).Should().BeTrue();
    }

    [Fact]
    public void Loaded_library_has_the_abi_version_the_bindings_expect()
    {
        ShimLibrary.AbiVersion.Should().Be(ShimLibrary.ExpectedAbiVersion);
        var ensure = ShimLibrary.EnsureCompatible;
        ensure.Should().NotThrow();
    }
}
