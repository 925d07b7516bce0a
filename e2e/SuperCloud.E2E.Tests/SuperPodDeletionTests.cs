using System.Globalization;

namespace SuperCloud.E2E.Tests;

/// <summary>kubectl delete of a running SuperPod on the lab.</summary>
[Collection(SharedLab.Name)]
public sealed class SuperPodDeletionTests(LabFixture fixture)
{
    [SkippableFact]
    public async Task Deleting_a_superpod_stops_its_vm_removes_its_state_then_the_finalizer_and_the_object()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        try
        {
            await lab.ApplyAsync(LabFixture.SuperPod("doomed"));
            await lab.UntilAsync(async () => (await lab.GetAsync("superpod", "doomed"))?["status"]?["phase"]?.GetValue<string>() == "Running", "SuperPod doomed is Running", TimeSpan.FromSeconds(90));
            var pod = (await lab.GetAsync("superpod", "doomed"))!;
            pod["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).Should().Contain("supercloud.dev/vm", "the operator holds the SuperPod until its VM is gone");
            var node = pod["status"]!["node"]!.GetValue<string>();
            var uid = pod["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant();
            var vm = lab.VmDirectory(node, uid);
            await lab.UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(vm, "qemu.pid"))), $"{vm}/qemu.pid exists");
            var qemu = int.Parse(File.ReadAllText(Path.Combine(vm, "qemu.pid")).Trim(), CultureInfo.InvariantCulture);
            ProcessState.IsRunning(qemu).Should().BeTrue($"QEMU {qemu} runs SuperPod doomed on {node}{lab.Diagnostics()}");

            var deleted = await lab.KubectlAsync("delete", "superpod", "doomed", "-n", "default", "--timeout=60s");
            deleted.ExitCode.Should().Be(0, deleted + lab.Diagnostics());

            // kubectl delete returns once the object is gone, which the finalizer allows only after the VM was deleted.
            ProcessState.IsRunning(qemu).Should().BeFalse($"QEMU {qemu} was stopped before the finalizer was removed{lab.Diagnostics()}");
            Directory.Exists(vm).Should().BeFalse($"the agent removed the VM's state directory {vm}");
            var gone = await lab.KubectlAsync("get", "superpod", "doomed", "-n", "default");
            gone.ExitCode.Should().NotBe(0);
            gone.Stderr.Should().Contain("NotFound");
            lab.CountVmEvents(uid, "deleted").Should().Be(1, "the agent logs the VM's deletion once");
        }
        finally
        {
            await lab.KubectlAsync("delete", "superpod", "doomed", "-n", "default", "--ignore-not-found", "--timeout=60s");
        }
    }
}
