using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>How a SuperPod boots: either a kernel (with optional initrd and command line) or a disk image, never both.</summary>
[CelRule("has(self.kernel) != has(self.disk)", "exactly one of kernel or disk must be set")]
[CelRule("has(self.kernel) || (!has(self.initrd) && !has(self.cmdline))", "initrd and cmdline require kernel", FieldPath = ".kernel", Reason = "FieldValueRequired")]
public sealed class BootSource
{
    /// <summary>Path or URL of the kernel image to boot directly (QEMU -kernel).</summary>
    [MaxLength(1024)]
    public string? Kernel { get; set; }

    /// <summary>Path or URL of the initial ramdisk; only with kernel.</summary>
    [MaxLength(1024)]
    public string? Initrd { get; set; }

    /// <summary>The kernel command line; only with kernel.</summary>
    [MaxLength(4096)]
    public string? Cmdline { get; set; }

    /// <summary>A disk image to boot from instead of a kernel.</summary>
    public DiskBoot? Disk { get; set; }
}
