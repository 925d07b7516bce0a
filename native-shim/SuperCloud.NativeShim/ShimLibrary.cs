using System.Globalization;
using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>Facts about the loaded libsupercloud_shim.so.</summary>
public static class ShimLibrary
{
    /// <summary>The ABI version these bindings were written for (<c>SC_SHIM_ABI_VERSION</c>).</summary>
    public const int ExpectedAbiVersion = 1;

    /// <summary>The ABI version of the loaded library.</summary>
    public static int AbiVersion => NativeMethods.sc_shim_abi_version();

    /// <summary>
    /// The file the library was loaded from (loading it if needed), e.g. the copy beside the application
    /// or the <c>SUPERCLOUD_SHIM_LIBRARY</c> override; worth logging at startup.
    /// </summary>
    /// <exception cref="DllNotFoundException">libsupercloud_shim.so was not found.</exception>
    public static string LoadedPath
    {
        get
        {
            // The first call binds every P/Invoke through NativeMethods' resolver, which records the handle.
            _ = AbiVersion;
            var export = NativeLibrary.GetExport(NativeMethods.LoadedHandle, "sc_shim_abi_version");
            return MappedFileContaining(export)
                   ?? throw new InvalidOperationException("libsupercloud_shim.so is loaded but not found in /proc/self/maps.");
        }
    }

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

    /// <summary>The path of the file mapped at <paramref name="address"/>, from /proc/self/maps.</summary>
    private static string? MappedFileContaining(nint address)
    {
        // Lines read "start-end perms offset dev inode path"; the path may contain spaces.
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[5].Length == 0 || fields[5][0] != '/')
            {
                continue;
            }

            var range = fields[0].Split('-');
            var start = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if ((ulong)address >= start && (ulong)address < end)
            {
                return fields[5].Trim();
            }
        }

        return null;
    }
}
