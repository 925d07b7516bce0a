using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Migration;

/// <summary>Two real agents and a guest with a 1 GiB qcow2 data disk whose checker writes and verifies 64 MiB of it.</summary>
public sealed class DiskMigrationAgents : MigrationAgents
{
    public const string DiskName = "data";

    public override V1.VmSpec Spec()
    {
        var spec = base.Spec();
        spec.Boot.Cmdline = GuestImage.Cmdline(memMib: 32, dirtyPagesPerSec: 1000) + $" sc.disk={DiskName} sc.disk_mib=64 sc.disk_writes_per_sec=200";
        spec.Disks.Add(new V1.Disk { Name = DiskName, SizeBytes = 1L << 30 });
        return spec;
    }

    protected override bool Booted(string console) => ConsoleLog.HasMemcheckOk(console) && ConsoleLog.DiskcheckOkGenerations(console).Count > 0;
}
