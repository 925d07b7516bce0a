using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Networking;

/// <summary>What allocating a SuperPod's interfaces came to: their addresses, or why not (a reason and a message naming the field and, for a taken address, its owner).</summary>
/// <param name="Interfaces">The interfaces with their addresses, in spec order; empty on failure.</param>
/// <param name="Reason">Why the addresses could not be given (AddressConflict, InvalidAddress, NetworkNotFound, NoPool, PoolExhausted); null on success.</param>
/// <param name="Message">Details.</param>
public sealed record AllocationOutcome(IReadOnlyList<InterfaceStatus> Interfaces, string? Reason, string? Message)
{
    /// <summary>Whether every interface has its addresses.</summary>
    public bool Succeeded => Reason is null;

    /// <summary>A refusal.</summary>
    public static AllocationOutcome Refused(string reason, string message) => new([], reason, message);
}
