namespace SuperCloud.E2E.Tests;

/// <summary>The operator restarted while SuperPods are being created: level-based reconciliation neither loses nor repeats work.</summary>
[Collection(SharedLab.Name)]
public sealed class OperatorRestartTests(LabFixture fixture)
{
    [SkippableFact]
    public async Task Operator_restarted_while_superpods_boot_starts_every_vm_exactly_once()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        string[] names = ["restart-1", "restart-2", "restart-3"];
        try
        {
            foreach (var name in names)
            {
                await lab.ApplyAsync(fixture.SuperPod(name));
            }

            // Mid-way: as soon as the first VM exists on an agent, while the others are still being created or booting.
            await lab.UntilAsync(
                async () =>
                {
                    foreach (var name in names)
                    {
                        var uid = (await lab.GetAsync("superpod", name))?["metadata"]?["uid"]?.GetValue<string>()?.ToLowerInvariant();
                        if (uid is not null && lab.CountVmEvents(uid, "created") > 0)
                        {
                            return true;
                        }
                    }

                    return false;
                },
                "an agent created the first VM");
            var phases = new List<string?>();
            foreach (var name in names)
            {
                phases.Add((await lab.GetAsync("superpod", name))?["status"]?["phase"]?.GetValue<string>());
            }

            phases.Should().Contain(p => p != "Running", "the operator is stopped while SuperPods are still starting");
            await lab.LabAsync("operator", "stop");
            await lab.LabAsync("operator", "start");

            foreach (var name in names)
            {
                await lab.UntilAsync(async () => (await lab.GetAsync("superpod", name))?["status"]?["phase"]?.GetValue<string>() == "Running", $"SuperPod {name} is Running", TimeSpan.FromSeconds(120));
            }

            foreach (var name in names)
            {
                var uid = (await lab.GetAsync("superpod", name))!["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant();
                lab.CountVmEvents(uid, "created").Should().Be(1, $"SuperPod {name}'s VM {uid} is created once across all agents{lab.Diagnostics()}");
                lab.CountVmEvents(uid, "started").Should().Be(1, $"SuperPod {name}'s VM {uid} is started once across all agents{lab.Diagnostics()}");
            }
        }
        finally
        {
            await lab.KubectlAsync(["delete", "superpod", "-n", "default", "--ignore-not-found", "--timeout=90s", .. names]);
        }
    }
}
