using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Tests.Ownership;

/// <summary>One host's fencing rules: epochs never go back, handed-over and aborted copies never run again.</summary>
public sealed class OwnershipRulesTests
{
    private const string Vm = "vm-1";
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_copy_runs_only_under_its_own_epoch_and_never_under_one_older_than_seen()
    {
        var record = OwnershipRules.Create(null, Vm, 3, Now);

        OwnershipRules.Run(record, Vm, 3, "start", Now).HeldEpoch.Should().Be(3);
        Refused(() => OwnershipRules.Run(record, Vm, 2, "start", Now)).Should().Contain("epoch 2 is older than epoch 3");
        Refused(() => OwnershipRules.Run(record, Vm, 4, "start", Now)).Should().Contain("this host's copy has epoch 3, not 4");
    }

    [Fact]
    public void A_vm_from_before_ownership_records_is_adopted_at_the_callers_epoch()
    {
        var adopted = OwnershipRules.Run(null, Vm, 7, "start", Now);

        adopted.HeldEpoch.Should().Be(7);
        adopted.Epoch.Should().Be(7);
    }

    [Fact]
    public void A_deleted_copy_keeps_its_epoch_so_a_stale_caller_cannot_create_it_again()
    {
        var sent = OwnershipRules.StartOutgoing(OwnershipRules.Create(null, Vm, 3, Now), Vm, "m1", 3, 4, Now);
        var handedOver = OwnershipRules.HandOver(sent, Vm, "m1", postCopy: false, Now);
        var deleted = OwnershipRules.Release(handedOver, Vm, Now);

        deleted.HeldEpoch.Should().BeNull();
        deleted.Epoch.Should().Be(4, "the target's epoch was seen at the handover");
        Refused(() => OwnershipRules.Create(deleted, Vm, 3, Now)).Should().Contain("older than epoch 4");
        OwnershipRules.Create(deleted, Vm, 5, Now).HeldEpoch.Should().Be(5, "a newer owner (the VM coming back) is welcome");
    }

    [Fact]
    public void A_handed_over_copy_resumes_only_by_roll_back_under_a_newer_epoch()
    {
        var handedOver = OwnershipRules.HandOver(OwnershipRules.StartOutgoing(OwnershipRules.Create(null, Vm, 3, Now), Vm, "m1", 3, 4, Now), Vm, "m1", false, Now);

        Refused(() => OwnershipRules.Run(handedOver, Vm, 3, "resume", Now)).Should().Contain("older than epoch 4");
        Refused(() => OwnershipRules.Run(handedOver, Vm, 4, "resume", Now)).Should().Contain("this host's copy has epoch 3");
        Refused(() => OwnershipRules.RollBack(handedOver, Vm, "m1", 3, 4, Now)).Should().Contain("must be newer than epoch 4");
        Refused(() => OwnershipRules.RollBack(handedOver, Vm, "other", 3, 5, Now)).Should().Contain("not being sent by migration other");

        var rolledBack = OwnershipRules.RollBack(handedOver, Vm, "m1", 3, 5, Now);
        rolledBack.HeldEpoch.Should().Be(5);
        rolledBack.Outgoing.Should().BeNull();
        OwnershipRules.Run(rolledBack, Vm, 5, "resume", Now).Should().NotBeNull();
        OwnershipRules.RollBack(rolledBack, Vm, "m1", 3, 5, Now).Should().BeSameAs(rolledBack, "a repeated roll-back is done already");
    }

    [Fact]
    public void A_source_never_resumes_once_post_copy_was_asked_for()
    {
        var postCopy = OwnershipRules.BeginPostCopy(OwnershipRules.StartOutgoing(OwnershipRules.Create(null, Vm, 3, Now), Vm, "m1", 3, 4, Now), Vm, "m1", Now);

        Refused(() => OwnershipRules.RollBack(postCopy, Vm, "m1", 3, 5, Now)).Should().Contain("post-copy");
        Refused(() => OwnershipRules.Run(postCopy, Vm, 3, "resume", Now)).Should().Contain("post-copy");
        OwnershipRules.EndOutgoing(postCopy, "m1", copyRuns: false, Now).Should().BeSameAs(postCopy, "a copy the hypervisor did not resume stays fenced");
        OwnershipRules.EndOutgoing(postCopy, "m1", copyRuns: true, Now).Outgoing.Should().BeNull("the hypervisor resumed it: post-copy never took over");
    }

    [Fact]
    public void An_aborted_migration_is_never_prepared_or_resumed_again_and_a_running_copy_is_never_aborted()
    {
        var prepared = OwnershipRules.PrepareIncoming(null, Vm, "m1", 4, Now);
        OwnershipRules.PrepareIncoming(prepared, Vm, "m1", 4, Now).Should().BeSameAs(prepared, "preparing again is idempotent");

        var aborted = OwnershipRules.AbortIncoming(prepared, Vm, "m1", 4, copyRuns: false, Now);
        aborted.HeldEpoch.Should().BeNull();
        aborted.AbortOf("m1").Should().Be(new AbortedMigration("m1", 4, Now));
        Refused(() => OwnershipRules.ResumeIncoming(aborted, Vm, "m1", 4, Now)).Should().Contain("was aborted on this host");
        Refused(() => OwnershipRules.PrepareIncoming(aborted, Vm, "m1", 4, Now)).Should().Contain("never prepared here again");
        OwnershipRules.PrepareIncoming(aborted, Vm, "m2", 4, Now).IncomingMigration.Should().Be("m2", "another migration may bring the VM here");

        var resumed = OwnershipRules.ResumeIncoming(prepared, Vm, "m1", 4, Now);
        Refused(() => OwnershipRules.AbortIncoming(resumed, Vm, "m1", 4, copyRuns: false, Now)).Should().Contain("switched over");
        Refused(() => OwnershipRules.AbortIncoming(prepared, Vm, "m1", 4, copyRuns: true, Now)).Should().Contain("switched over");
    }

    [Fact]
    public void Aborting_a_migration_the_host_never_heard_of_records_the_promise_and_touches_no_copy()
    {
        var running = OwnershipRules.Create(null, Vm, 3, Now);

        var aborted = OwnershipRules.AbortIncoming(running, Vm, "unknown", 0, copyRuns: true, Now);

        aborted.HeldEpoch.Should().Be(3, "the copy this host runs is not that migration's");
        aborted.AbortOf("unknown").Should().NotBeNull();
        OwnershipRules.AbortIncoming(null, Vm, "never", 6, copyRuns: false, Now).Epoch.Should().Be(6);
    }

    [Fact]
    public void An_incoming_copy_is_not_started_by_anyone_but_its_migration()
    {
        var prepared = OwnershipRules.PrepareIncoming(OwnershipRules.Create(null, Vm, 3, Now) with { HeldEpoch = null }, Vm, "m1", 4, Now);

        Refused(() => OwnershipRules.Run(prepared, Vm, 4, "resume", Now)).Should().Contain("only the migration resumes it");
        Refused(() => OwnershipRules.PrepareIncoming(prepared, Vm, "m2", 3, Now)).Should().Contain("older than epoch 4");
        OwnershipRules.Run(OwnershipRules.ResumeIncoming(prepared, Vm, "m1", 0, Now), Vm, 4, "start", Now).Resumed.Should().BeTrue();
    }

    [Fact]
    public void A_source_must_hold_the_copy_it_sends_and_the_target_epoch_must_be_newer()
    {
        var record = OwnershipRules.Create(null, Vm, 3, Now);

        Refused(() => OwnershipRules.StartOutgoing(record, Vm, "m1", 2, 4, Now)).Should().Contain("older than epoch 3");
        Refused(() => OwnershipRules.StartOutgoing(record, Vm, "m1", 3, 3, Now)).Should().Contain("must be newer");
        var sent = OwnershipRules.StartOutgoing(record, Vm, "m1", 3, 4, Now);
        OwnershipRules.StartOutgoing(sent, Vm, "m1", 3, 4, Now).Should().BeSameAs(sent);
        Refused(() => OwnershipRules.StartOutgoing(OwnershipRules.HandOver(sent, Vm, "m1", false, Now), Vm, "m2", 3, 5, Now)).Should().Contain("older than epoch 4");
    }

    [Fact]
    public void A_record_remembers_the_newest_aborted_migrations_only()
    {
        OwnershipRecord? record = null;
        for (var i = 0; i < OwnershipRules.MaxAborted + 5; i++)
        {
            record = OwnershipRules.AbortIncoming(record, Vm, $"m{i}", i, copyRuns: false, Now);
        }

        record!.Aborted.Should().HaveCount(OwnershipRules.MaxAborted);
        record.AbortOf("m0").Should().BeNull();
        record.AbortOf($"m{OwnershipRules.MaxAborted + 4}").Should().NotBeNull();
    }

    private static string Refused(Func<OwnershipRecord> change) =>
        change.Should().Throw<OwnershipConflictException>().Which.Message;
}
