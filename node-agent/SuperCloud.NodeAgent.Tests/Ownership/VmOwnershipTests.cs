using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Tests.Ownership;

/// <summary>The ownership records on disk: they survive an agent restart, and the act they allow is ordered with the write.</summary>
public sealed class VmOwnershipTests : IDisposable
{
    private readonly string _directory = TestEnvironment.NewTempDir("scown");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task An_abort_is_remembered_by_the_next_agent_and_refuses_a_late_resume()
    {
        var first = Open();
        await first.RecordAsync("vm-1", (r, now) => OwnershipRules.PrepareIncoming(r, "vm-1", "m1", 4, now), CancellationToken.None);
        await first.RecordAsync("vm-1", (r, now) => OwnershipRules.AbortIncoming(r, "vm-1", "m1", 4, copyRuns: false, now), CancellationToken.None);

        var restarted = Open();

        restarted.Get("vm-1")!.AbortOf("m1").Should().NotBeNull();
        var resume = () => restarted.RecordAsync("vm-1", (r, now) => OwnershipRules.ResumeIncoming(r, "vm-1", "m1", 4, now), CancellationToken.None);
        await resume.Should().ThrowAsync<OwnershipConflictException>();
        File.Exists(Path.Combine(_directory, "vm-1" + VmOwnership.FileSuffix)).Should().BeTrue("the record lives beside the VM's directory");
    }

    [Fact]
    public async Task A_refused_rule_writes_nothing_and_runs_no_act()
    {
        var ownership = Open();
        await ownership.RecordAsync("vm-1", (r, now) => OwnershipRules.Create(r, "vm-1", 5, now), CancellationToken.None);
        var acted = false;

        var stale = () => ownership.ActAsync("vm-1", (r, now) => OwnershipRules.Create(r, "vm-1", 4, now), _ => Task.FromResult(acted = true), OwnershipWrite.AfterAct, CancellationToken.None);

        await stale.Should().ThrowAsync<OwnershipConflictException>();
        acted.Should().BeFalse();
        Open().Get("vm-1")!.HeldEpoch.Should().Be(5);
    }

    [Fact]
    public async Task A_failed_act_leaves_the_record_as_it_was_or_undoes_a_write_made_first()
    {
        var ownership = Open();
        await ownership.RecordAsync("vm-1", (r, now) => OwnershipRules.Create(r, "vm-1", 3, now), CancellationToken.None);

        var afterAct = () => ownership.ActAsync("vm-1", (r, now) => OwnershipRules.Create(r, "vm-1", 4, now), _ => Task.FromException<bool>(new IOException("disk")), OwnershipWrite.AfterAct, CancellationToken.None);
        await afterAct.Should().ThrowAsync<IOException>();
        Open().Get("vm-1")!.HeldEpoch.Should().Be(3);

        var undone = () => ownership.ActAsync("vm-1", (r, now) => OwnershipRules.PrepareIncoming(r, "vm-1", "m1", 6, now), _ => Task.FromException<bool>(new IOException("QEMU")), OwnershipWrite.BeforeActUndoneOnFailure, CancellationToken.None);
        await undone.Should().ThrowAsync<IOException>();
        Open().Get("vm-1")!.Should().Match<OwnershipRecord>(r => r.HeldEpoch == 3 && r.IncomingMigration == null);

        var kept = () => ownership.ActAsync("vm-1", (r, now) => OwnershipRules.AbortIncoming(r, "vm-1", "m2", 7, false, now), _ => Task.FromException<bool>(new IOException("delete")), OwnershipWrite.BeforeAct, CancellationToken.None);
        await kept.Should().ThrowAsync<IOException>();
        Open().Get("vm-1")!.AbortOf("m2").Should().NotBeNull("an abort is written before the copy goes, and stays even when deleting it fails");
    }

    [Fact]
    public async Task Records_of_vms_long_gone_are_pruned_and_others_stay()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var ownership = VmOwnership.Open(_directory, clock, NullLogger<VmOwnership>.Instance);
        await ownership.RecordAsync("gone", (r, now) => OwnershipRules.AbortIncoming(r, "gone", "m1", 2, false, now), CancellationToken.None);
        await ownership.RecordAsync("held", (r, now) => OwnershipRules.Create(r, "held", 1, now), CancellationToken.None);
        await ownership.RecordAsync("recent", (r, now) => OwnershipRules.Release(r, "recent", now), CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(8));
        await ownership.RecordAsync("recent", (r, now) => OwnershipRules.Release(r, "recent", now) with { Epoch = 9 }, CancellationToken.None);

        ownership.Prune(new HashSet<string>(), TimeSpan.FromDays(7)).Should().Be(1);

        ownership.Get("gone").Should().BeNull();
        ownership.Get("held").Should().NotBeNull("a host that holds a copy keeps its record");
        ownership.Get("recent").Should().NotBeNull();
        File.Exists(Path.Combine(_directory, "gone" + VmOwnership.FileSuffix)).Should().BeFalse();
    }

    [Fact]
    public async Task A_vm_id_that_is_no_dns_label_never_names_a_file()
    {
        var ownership = Open();

        var escape = () => ownership.RecordAsync("../etc", (r, now) => OwnershipRules.Create(r, "../etc", 1, now), CancellationToken.None);

        await escape.Should().ThrowAsync<OwnershipConflictException>();
        Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_directory)!, "etc*").Should().NotContain(p => p.EndsWith(VmOwnership.FileSuffix, StringComparison.Ordinal));
    }

    private VmOwnership Open() => VmOwnership.Open(_directory, TimeProvider.System, NullLogger<VmOwnership>.Instance);
}
