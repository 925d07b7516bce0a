using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>Xen domain save/restore streams through an fd, so Xen VMs migrate through the same pump.</summary>
public static class XenDomainTransfer
{
    /// <summary>Writes domain <paramref name="domId"/>'s save stream to <paramref name="output"/>.</summary>
    /// <exception cref="XenUnavailableException">The host has no Xen.</exception>
    public static void Save(uint domId, SafeHandle output, bool keepRunning)
    {
        var fd = FileDescriptors.AddRef(output, nameof(output));
        try
        {
            var rc = NativeMethods.sc_xen_domain_save(domId, fd, keepRunning ? 1 : 0, out var error);
            ShimException.ThrowIfFailed(rc, error, "sc_xen_domain_save");
        }
        finally
        {
            output.DangerousRelease();
        }
    }

    /// <summary>Restores a domain from the save stream read from <paramref name="input"/>; returns its id when known.</summary>
    /// <exception cref="XenUnavailableException">The host has no Xen.</exception>
    public static uint? Restore(SafeHandle input, bool paused)
    {
        var fd = FileDescriptors.AddRef(input, nameof(input));
        try
        {
            var rc = NativeMethods.sc_xen_domain_restore(fd, paused ? 1 : 0, out var domId, out var error);
            ShimException.ThrowIfFailed(rc, error, "sc_xen_domain_restore");
            return domId == uint.MaxValue ? null : domId;
        }
        finally
        {
            input.DangerousRelease();
        }
    }
}
