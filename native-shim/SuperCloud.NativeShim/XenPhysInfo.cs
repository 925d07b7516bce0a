namespace SuperCloud.NativeShim;

/// <summary>Physical facts of a Xen host (a subset of <c>xen_sysctl_physinfo</c>).</summary>
/// <param name="Cpus">Logical CPUs.</param>
/// <param name="Nodes">NUMA nodes.</param>
/// <param name="ThreadsPerCore">Threads per core.</param>
/// <param name="CoresPerSocket">Cores per socket.</param>
/// <param name="CpuKhz">CPU frequency in kHz.</param>
/// <param name="TotalPages">Total memory pages.</param>
/// <param name="FreePages">Free memory pages.</param>
/// <param name="PageSize">Bytes per page.</param>
public sealed record XenPhysInfo(
    int Cpus,
    int Nodes,
    int ThreadsPerCore,
    int CoresPerSocket,
    long CpuKhz,
    long TotalPages,
    long FreePages,
    long PageSize);
