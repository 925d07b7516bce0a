namespace SuperCloud.NativeShim;

/// <summary>Facts about the loaded libsupercloud_shim.so.</summary>
public static class ShimLibrary
{
    /// <summary>The ABI version these bindings were written for (<c>SC_SHIM_ABI_VERSION</c>).</summary>
    public const int ExpectedAbiVersion = 1;

    /// <summary>The ABI version of the loaded library.</summary>
    public static int AbiVersion => NativeMethods.sc_shim_abi_version();

    /// <summary>Loads the library and fails clearly when it is missing or of another ABI version.</summary>
    /// <exception cref="DllNotFoundException">libsupercloud_shim.so was not found.</exception>
    /// <exception cref="InvalidOperationException">The library's ABI version differs.</exception>
    public static void EnsureCompatible()
    {
        var version = AbiVersion;
        if (version != ExpectedAbiVersion)
        {
            throw new InvalidOperationException(
                $"libsupercloud_shim.so has ABI version {version}, these bindings need {ExpectedAbiVersion}; rebuild native-shim.");
        }
    }
}
