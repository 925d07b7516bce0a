using System.Globalization;

namespace SuperCloud.E2E.Tests;

/// <summary>A second, small lab beside the shared one: it must not collide with it, and must leave nothing behind even when up is killed.</summary>
[Collection(SharedLab.Name)]
public sealed class LabTeardownTests(LabFixture fixture) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "supercloud-e2e-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Down_removes_every_process_namespace_link_route_and_file_after_up_was_killed_and_restarted_on_its_stale_lab()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await using var lab = await LabRun.StartAsync(_root, "onprem:1", TimeSpan.FromMinutes(2));
        var shared = fixture.Lab.State();
        var state = lab.State();
        var id = state["Id"]!.GetValue<string>();
        var subnet = state["Subnet"]!.GetValue<string>();
        id.Should().NotBe(shared["Id"]!.GetValue<string>(), "two data directories give two lab ids");
        subnet.Should().NotBe(shared["Subnet"]!.GetValue<string>(), "a second lab picks a free /16");

        // A VM, so that a daemonized QEMU is among what must be removed.
        await lab.ApplyAsync(LabFixture.SuperPod("left-behind"));
        var uid = "";
        await lab.UntilAsync(
            async () =>
            {
                uid = (await lab.GetAsync("superpod", "left-behind"))?["metadata"]?["uid"]?.GetValue<string>()?.ToLowerInvariant() ?? "";
                return uid.Length > 0 && File.Exists(Path.Combine(lab.VmDirectory("onprem-1", uid), "qemu.pid"));
            },
            "the second lab's agent started a QEMU",
            TimeSpan.FromSeconds(90));
        var pids = Pids(lab);
        pids.Add(int.Parse(File.ReadAllText(Path.Combine(lab.VmDirectory("onprem-1", uid), "qemu.pid")).Trim(), CultureInfo.InvariantCulture));

        // SIGKILL: up cannot clean anything. A new up on the same directory removes the stale lab first.
        await KillAsync(lab.Up);
        await using (var again = await LabRun.StartAsync(_root, "onprem:1", TimeSpan.FromMinutes(2)))
        {
            pids.Should().OnlyContain(pid => !ProcessState.IsRunning(pid), "up removed the stale lab's agent, operator and QEMU before starting");
            pids = Pids(again);
            await KillAsync(again.Up);
            var down = await Commands.RunAsync(RepoPaths.LabCli, ["down", "--data-dir", again.DataDir]);
            down.ExitCode.Should().Be(0, down.ToString());
        }

        pids.Should().OnlyContain(pid => !ProcessState.IsRunning(pid), "down stopped every process of the killed lab");
        (await Commands.RunAsync("ip", ["netns", "list"])).Stdout.Should().NotContain($"sc{id}-", "down deleted every namespace of the lab");
        (await Commands.RunAsync("ip", ["link", "show", $"sc{id}-m"])).ExitCode.Should().NotBe(0, "down deleted the management veth");
        (await Commands.RunAsync("ip", ["route", "show"])).Stdout.Should().NotContain(subnet, "down deleted the lab's route");
        Directory.Exists(lab.DataDir).Should().BeFalse("down removed the data directory up had created");
    }

    private static List<int> Pids(LabRun lab) =>
        [.. lab.State()["Processes"]!.AsObject().Select(p => p.Value!["Pid"]!.GetValue<int>())];

    private static async Task KillAsync(ChildProcess up)
    {
        (await Commands.RunAsync("kill", ["-KILL", up.Pid.ToString(CultureInfo.InvariantCulture)])).ExitCode.Should().Be(0);
        await Poll.UntilAsync(() => Task.FromResult(up.HasExited), TimeSpan.FromSeconds(10), "supercloud-lab up exited after SIGKILL", up.Diagnostics);
    }
}
