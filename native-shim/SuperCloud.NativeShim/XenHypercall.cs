namespace SuperCloud.NativeShim;

/// <summary>Hypercall passthrough through /dev/xen/privcmd for a nested Dom0, limited to an allow-list.</summary>
public static class XenHypercall
{
    /// <summary><c>__HYPERVISOR_xen_version</c>.</summary>
    public const ulong XenVersion = 17;

    /// <summary><c>__HYPERVISOR_event_channel_op</c>.</summary>
    public const ulong EventChannelOp = 32;

    /// <summary><c>__HYPERVISOR_hvm_op</c>.</summary>
    public const ulong HvmOp = 34;

    /// <summary><c>__HYPERVISOR_sysctl</c>.</summary>
    public const ulong Sysctl = 35;

    /// <summary><c>__HYPERVISOR_domctl</c>.</summary>
    public const ulong Domctl = 36;

    /// <summary>True when <paramref name="op"/> is on the native allow-list.</summary>
    public static bool IsAllowed(ulong op) => NativeMethods.sc_xen_hypercall_allowed(op) != 0;

    /// <summary>Issues hypercall <paramref name="op"/> with up to five arguments and returns its result.</summary>
    /// <exception cref="ShimException">Errno EPERM when <paramref name="op"/> is not allowed, or the hypercall's error.</exception>
    /// <exception cref="XenUnavailableException">The host has no Xen.</exception>
    public static unsafe long Invoke(ulong op, ReadOnlySpan<ulong> args)
    {
        if (args.Length > 5)
        {
            throw new ArgumentException($"A hypercall takes at most 5 arguments, got {args.Length}.", nameof(args));
        }

        var all = stackalloc ulong[5];
        for (var i = 0; i < args.Length; i++)
        {
            all[i] = args[i];
        }

        var rc = NativeMethods.sc_xen_hypercall(op, all, out var result, out var error);
        ShimException.ThrowIfFailed(rc, error, "sc_xen_hypercall");
        return result;
    }
}
