namespace SuperCloud.NodeAgent.Network;

/// <summary>The network as this agent last programmed it.</summary>
/// <param name="Generation">The generation of the config in force (the last one accepted).</param>
/// <param name="Ready">Whether its flows are installed and current.</param>
/// <param name="Reason">Why not, a CamelCase word; empty when ready.</param>
/// <param name="Message">Details.</param>
/// <param name="AppliedAt">When flows were last installed.</param>
/// <param name="Flows">How many flows are installed.</param>
/// <param name="LocalVms">The VMs this host delivers to.</param>
public sealed record NetworkReport(string Generation, bool Ready, string Reason, string Message, DateTimeOffset? AppliedAt, int Flows, IReadOnlyList<string> LocalVms);
