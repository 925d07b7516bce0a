using Grpc.Core;
using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Api;

/// <summary>Ownership epochs and aborts through the agent's API, as the operator meets them.</summary>
public sealed class OwnershipApiTests(AgentServerFixture fixture) : IClassFixture<AgentServerFixture>
{
    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    private SuperCloud.Agent.V1.NodeAgent.NodeAgentClient Client => new(fixture.Channel(fixture.OperatorCertificate));

    [SkippableFact]
    public async Task A_vm_is_created_and_started_only_under_its_owners_epoch_and_never_under_an_older_one()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var client = Client;
        var spec = Spec("epoch-vm");
        (await client.CreateVmAsync(new CreateVmRequest { Spec = spec, Epoch = 5 }, deadline: Deadline)).Epoch.Should().Be(5);
        try
        {
            (await Refused(() => client.StartVmAsync(new VmRequest { Id = "epoch-vm", Epoch = 4 }, deadline: Deadline).ResponseAsync)).Should().Contain("epoch 4 is older than epoch 5");
            (await Refused(() => client.StartVmAsync(new VmRequest { Id = "epoch-vm", Epoch = 6 }, deadline: Deadline).ResponseAsync)).Should().Contain("this host's copy has epoch 5, not 6");
            (await Refused(() => client.ResumeVmAsync(new VmRequest { Id = "epoch-vm", Epoch = 3 }, deadline: Deadline).ResponseAsync)).Should().Contain("older than epoch 5");
            (await client.GetVmAsync(new VmRequest { Id = "epoch-vm" }, deadline: Deadline)).Should().Match<Vm>(v => v.Epoch == 5 && v.State == SuperCloud.Agent.V1.VmState.Created);
        }
        finally
        {
            await client.DeleteVmAsync(new VmRequest { Id = "epoch-vm" }, deadline: Deadline);
        }

        // Deleted, the VM's record stays: a caller with an old epoch cannot bring it back, a newer owner can.
        (await Refused(() => client.CreateVmAsync(new CreateVmRequest { Spec = spec, Epoch = 4 }, deadline: Deadline).ResponseAsync)).Should().Contain("older than epoch 5");
        (await client.ListVmsAsync(new ListVmsRequest(), deadline: Deadline)).Vms.Should().NotContain(v => v.Id == "epoch-vm");
        (await client.CreateVmAsync(new CreateVmRequest { Spec = spec, Epoch = 6 }, deadline: Deadline)).Epoch.Should().Be(6);
        await client.DeleteVmAsync(new VmRequest { Id = "epoch-vm" }, deadline: Deadline);
    }

    [SkippableFact]
    public async Task Aborting_a_migration_the_agent_never_heard_of_is_a_promise_it_keeps()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var client = Client;
        var request = new MigrationRequest { MigrationId = "never-prepared", VmId = "abort-vm", Epoch = 2 };

        var aborted = await client.AbortMigrationTargetAsync(request, deadline: Deadline);

        aborted.Phase.Should().Be(MigrationPhase.Aborted, "an abort answers positively, known migration or not");
        aborted.NodeName.Should().Be("agent-1");
        aborted.FailureReason.Should().Be(MigrationFailureReason.Aborted);
        (await client.GetMigrationAsync(request, deadline: Deadline)).Phase.Should().Be(MigrationPhase.Aborted);
        var prepare = () => client.PrepareMigrationTargetAsync(new PrepareMigrationTargetRequest
        {
            MigrationId = "never-prepared", Token = Google.Protobuf.ByteString.CopyFrom(new byte[32]), Spec = Spec("abort-vm"), SourceNode = "agent-2", Epoch = 2,
        }, deadline: Deadline).ResponseAsync;
        (await Refused(prepare)).Should().Contain("never prepared here again");
        var complete = () => client.CompleteMigrationTargetAsync(request, deadline: Deadline).ResponseAsync;
        (await Refused(complete)).Should().Contain("was aborted on this host");
        (await client.ListVmsAsync(new ListVmsRequest(), deadline: Deadline)).Vms.Should().NotContain(v => v.Id == "abort-vm");
    }

    [Fact]
    public async Task Bad_epochs_name_the_field()
    {
        var client = Client;

        var negative = () => client.CreateVmAsync(new CreateVmRequest { Spec = Spec("bad-epoch"), Epoch = -1 }, deadline: Deadline).ResponseAsync;
        var olderNew = () => client.RollBackMigrationSourceAsync(new MigrationRequest { MigrationId = "m", VmId = "bad-epoch", Epoch = 5, NewEpoch = 5 }, deadline: Deadline).ResponseAsync;
        var noTargetEpoch = () => client.PrepareMigrationTargetAsync(new PrepareMigrationTargetRequest
        {
            MigrationId = "m", Token = Google.Protobuf.ByteString.CopyFrom(new byte[32]), Spec = Spec("bad-epoch"), SourceNode = "agent-2",
        }, deadline: Deadline).ResponseAsync;
        var badId = () => client.GetVmAsync(new VmRequest { Id = "../etc" }, deadline: Deadline).ResponseAsync;

        (await negative.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.InvalidArgument, "epoch: must not be negative, got -1"));
        (await olderNew.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.InvalidArgument, "new_epoch: must be newer than epoch 5, got 5"));
        (await noTargetEpoch.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.InvalidArgument, "epoch: must be a positive epoch, got 0"));
        (await badId.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().StartWith("id: must be a DNS label");
    }

    private static async Task<string> Refused(Func<Task> call)
    {
        var error = (await call.Should().ThrowAsync<RpcException>()).Which;
        error.StatusCode.Should().Be(StatusCode.FailedPrecondition, error.Status.Detail);
        return error.Status.Detail;
    }

    // Creating a VM costs no QEMU, only the test guest's kernel image in the agent's cache.
    private static VmSpec Spec(string id) => new() { Id = id, Vcpus = 1, MemoryMib = 64, Boot = new Boot { Image = GuestImage.KernelReference, Cmdline = "" } };
}
