namespace SuperCloud.NodeAgent.Ownership;

/// <summary>A migration sending this host's copy of a VM to another host.</summary>
/// <param name="MigrationId">The migration.</param>
/// <param name="TargetEpoch">The epoch the target's copy gets.</param>
/// <param name="PostCopy">Post-copy was asked for (recorded before the hypervisor was asked): this copy never resumes.</param>
/// <param name="HandedOver">The VM's state went to the target (transfer completed or post-copy running).</param>
public sealed record OutgoingRecord(string MigrationId, long TargetEpoch, bool PostCopy, bool HandedOver);
