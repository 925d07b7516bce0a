using SuperCloud.Images;

namespace SuperCloud.Lab.Registry;

/// <summary>The manifest digests of the published test guest images.</summary>
/// <param name="Guest">supercloud/test-guest (kernel + initramfs).</param>
/// <param name="Disk">supercloud/test-guest-disk (bootable qcow2).</param>
public sealed record GuestImageDigests(Digest Guest, Digest Disk);
