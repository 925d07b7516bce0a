using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests;

/// <summary>The last line of defence of every test that starts VMs: no QEMU of its state directory survives it.</summary>
internal static class QemuLeftovers
{
    public static async Task KillAllAsync(string stateDirectory)
    {
        foreach (var dir in Directory.Exists(stateDirectory) ? Directory.GetDirectories(stateDirectory) : [])
        {
            if (QemuProcess.ReadPidFile(Path.Combine(dir, "qemu.pid")) is { } pid)
            {
                await QemuProcess.KillAsync(pid, Path.Combine(dir, "qmp.sock"), TimeProvider.System, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        }
    }
}
