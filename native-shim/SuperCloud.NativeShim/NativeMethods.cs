using System.Reflection;
using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>P/Invoke declarations of libsupercloud_shim.so (see native-shim/include/supercloud_shim.h).</summary>
internal static unsafe partial class NativeMethods
{
    /// <summary>Library name; the runtime probes libsupercloud_shim.so beside the assembly.</summary>
    internal const string Library = "supercloud_shim";

    /// <summary>Environment variable naming an explicit path to the .so (overrides probing).</summary>
    internal const string LibraryPathVariable = "SUPERCLOUD_SHIM_LIBRARY";

    // Runs before the first P/Invoke of this class, so the override applies to every call.
    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    /// <summary>The handle every P/Invoke of this class was bound to; 0 until the first call.</summary>
    internal static nint LoadedHandle { get; private set; }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return 0;
        }

        // Loads here rather than leaving the default probing to the runtime, so that the handle is known (and
        // ShimLibrary.LoadedPath can name the file): NativeLibrary.Load(name, assembly, ...) probes like DllImport.
        var path = Environment.GetEnvironmentVariable(LibraryPathVariable);
        var handle = string.IsNullOrEmpty(path)
            ? NativeLibrary.TryLoad(name, assembly, searchPath, out var probed) ? probed : 0
            : NativeLibrary.Load(path);
        if (handle != 0)
        {
            LoadedHandle = handle;
        }

        return handle;
    }

    [LibraryImport(Library)]
    internal static partial int sc_shim_abi_version();

    [LibraryImport(Library)]
    internal static partial ulong sc_xxh64(byte* data, nuint len, ulong seed);

    [LibraryImport(Library)]
    internal static partial uint sc_crc32c(uint crc, byte* data, nuint len);

    [LibraryImport(Library)]
    internal static partial int sc_pump_create(int inFd, int outFd, in NativePumpOptions options, out ShimPumpHandle pump, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_pump_run(ShimPumpHandle pump, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_pump_cancel(ShimPumpHandle pump);

    [LibraryImport(Library)]
    internal static partial void sc_pump_get_stats(ShimPumpHandle pump, out NativePumpStats stats);

    [LibraryImport(Library)]
    internal static partial void sc_pump_destroy(nint pump);

    [LibraryImport(Library)]
    internal static partial int sc_pipe_open(int* fds, uint size, out uint actualSize, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_xen_available(out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_xen_hypercall_allowed(ulong op);

    [LibraryImport(Library)]
    internal static partial int sc_xen_hypercall(ulong op, ulong* args, out long result, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_xen_version(out int major, out int minor, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_xen_get_physinfo(out NativeXenPhysInfo info, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_xen_map_foreign_ro(uint domId, ulong* gfns, nuint count, out XenMappingHandle mapping, out NativeError error);

    [LibraryImport(Library)]
    internal static partial nint sc_xen_mapping_address(XenMappingHandle mapping);

    [LibraryImport(Library)]
    internal static partial nuint sc_xen_mapping_length(XenMappingHandle mapping);

    [LibraryImport(Library)]
    internal static partial void sc_xen_unmap(nint mapping);

    [LibraryImport(Library)]
    internal static partial int sc_xen_domain_save(uint domId, int fd, int keepRunning, out NativeError error);

    [LibraryImport(Library)]
    internal static partial int sc_xen_domain_restore(int fd, int paused, out uint domId, out NativeError error);
}
