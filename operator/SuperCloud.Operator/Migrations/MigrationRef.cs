using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>A migration as the agents know it: its id (the SuperPodMigration's uid) and the VM it moves.</summary>
/// <param name="MigrationId">The SuperPodMigration's metadata.uid.</param>
/// <param name="VmId">The SuperPod's VM id.</param>
public sealed record MigrationRef(string MigrationId, string VmId)
{
    /// <summary>The request naming this migration, with the epochs a command needs.</summary>
    public V1.MigrationRequest Request(long epoch = 0, long newEpoch = 0) =>
        new() { MigrationId = MigrationId, VmId = VmId, Epoch = epoch, NewEpoch = newEpoch };
}
