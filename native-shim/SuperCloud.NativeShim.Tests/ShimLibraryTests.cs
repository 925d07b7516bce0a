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

    [SkippableFact]
    public void Library_is_loaded_from_the_copy_in_the_consumers_output_directory()
    {
        // This test project references SuperCloud.NativeShim.csproj exactly as the node agent does, so its output
        // directory has the consumer layout: bindings assembly and .so side by side, found without any override.
        Skip.IfNot(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SUPERCLOUD_SHIM_LIBRARY")),
            "SUPERCLOUD_SHIM_LIBRARY overrides the lookup in this environment");
        var outputDirectory = Path.GetFullPath(AppContext.BaseDirectory);

        Path.GetDirectoryName(typeof(ShimLibrary).Assembly.Location).Should().Be(Path.TrimEndingDirectorySeparator(outputDirectory));
        ShimLibrary.LoadedPath.Should().Be(Path.Combine(outputDirectory, "libsupercloud_shim.so"));
    }

    [Fact]
    public void Loaded_path_names_a_file_that_exports_the_shim_abi()
    {
        var path = ShimLibrary.LoadedPath;

        Path.IsPathFullyQualified(path).Should().BeTrue();
        var handle = System.Runtime.InteropServices.NativeLibrary.Load(path);
        try
        {
            System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, "sc_pump_create", out _).Should().BeTrue();
        }
        finally
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
        }
    }
}
