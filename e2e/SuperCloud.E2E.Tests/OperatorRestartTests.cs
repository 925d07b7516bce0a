namespace SuperCloud.E2E.Tests;

/// <summary>The operator killed and restarted while SuperPods are being created: level-based reconciliation neither loses nor repeats work.</summary>
[Collection(SharedLab.Name)]
public sealed class OperatorRestartTests(LabFixture fixture)
{
    [SkippableFact]
    public async Task Operator_killed_and_restarted_while_vms_are_created_starts_every_vm_exactly_once()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        string[] names = ["restart-1", "restart-2", "restart-3"];
        try
        {
            await lab.ApplyAsync(string.Join("\n---\n", names.Select(n => LabFixture.SuperPod(n))));
            var uids = new List<string>();
            await lab.UntilAsync(
                async () =>
                {
                    uids = [.. ((await lab.GetAsync("superpods", "-n", "default"))?["items"]?.AsArray() ?? [])
                        .Where(p => names.Contains(p?["metadata"]?["name"]?.GetValue<string>()))
                        .Select(p => p!["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant())];
                    return uids.Count == names.Length;
                },
                "the SuperPods exist");

            // Mid-way: the operator is killed (SIGKILL, as a crash) the moment an agent logs the first VM created, while
            // the others are still being created or started; the agents' logs are read directly, without an API round trip.
            var operatorPid = lab.State()["Processes"]!["operator"]!["Pid"]!.GetValue<int>();
            await lab.UntilAsync(() => Task.FromResult(uids.Any(uid => lab.CountVmEvents(uid, "created") > 0)), "an agent created the first VM", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10));
            System.Diagnostics.Process.GetProcessById(operatorPid).Kill();
            await lab.UntilAsync(() => Task.FromResult(!ProcessState.IsRunning(operatorPid)), "the operator is gone");
            var startedBeforeRestart = uids.Sum(uid => lab.CountVmEvents(uid, "started"));
            startedBeforeRestart.Should().BeLessThan(names.Length, "the operator is killed while VMs are still being created and started");
            await lab.LabAsync("operator", "start");

            foreach (var name in names)
            {
                await lab.UntilAsync(async () => (await lab.GetAsync("superpod", name))?["status"]?["phase"]?.GetValue<string>() == "Running", $"SuperPod {name} is Running", TimeSpan.FromSeconds(120));
            }

            foreach (var name in names)
            {
                var uid = (await lab.GetAsync("superpod", name))!["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant();
                lab.CountVmEvents(uid, "created").Should().Be(1, $"SuperPod {name}'s VM {uid} is created once across all agents:\n{lab.VmLogLines(uid)}{lab.Diagnostics()}");
                lab.CountVmEvents(uid, "started").Should().Be(1, $"SuperPod {name}'s VM {uid} is started once across all agents:\n{lab.VmLogLines(uid)}{lab.Diagnostics()}");
            }
        }
        finally
        {
            await lab.KubectlAsync(["delete", "superpod", "-n", "default", "--ignore-not-found", "--timeout=90s", .. names]);
        }
    }
}
