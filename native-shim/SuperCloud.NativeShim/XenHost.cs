namespace SuperCloud.NativeShim;

/// <summary>Queries the Xen hypervisor the agent runs on.</summary>
public static class XenHost
{
    /// <summary>True when /dev/xen/privcmd is usable; otherwise <paramref name="reason"/> says why.</summary>
    public static bool IsAvailable(out string reason)
    {
        var available = NativeMethods.sc_xen_available(out var error) == 1;
        reason = available ? string.Empty : error.Text;
        return available;
    }

    /// <summary>The hypervisor version (major.minor).</summary>
    /// <exception cref="XenUnavailableException">The host has no Xen.</exception>
    public static Version GetVersion()
    {
        var rc = NativeMethods.sc_xen_version(out var major, out var minor, out var error);
        ShimException.ThrowIfFailed(rc, error, "sc_xen_version");
        return new Version(major, minor);
    }

    /// <summary>The host's physical information.</summary>
    /// <exception cref="XenUnavailableException">The host has no Xen or the shim lacks libxen support.</exception>
    public static XenPhysInfo GetPhysInfo()
    {
        var rc = NativeMethods.sc_xen_get_physinfo(out var info, out var error);
        ShimException.ThrowIfFailed(rc, error, "sc_xen_get_physinfo");
        return new XenPhysInfo(
            (int)info.NrCpus,
            (int)info.NrNodes,
            (int)info.ThreadsPerCore,
            (int)info.CoresPerSocket,
            info.CpuKhz,
            (long)info.TotalPages,
            (long)info.FreePages,
            (long)info.PageSize);
    }
}
