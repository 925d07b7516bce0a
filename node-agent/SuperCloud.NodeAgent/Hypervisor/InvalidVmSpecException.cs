namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A VM spec was rejected; the message lists every offending field.</summary>
/// <param name="errors">The problems found, at least one.</param>
public sealed class InvalidVmSpecException(IReadOnlyList<VmSpecError> errors)
    : HypervisorException(null, "validate spec", "invalid VM spec: " + string.Join("; ", errors))
{
    /// <summary>The problems found, each naming its field.</summary>
    public IReadOnlyList<VmSpecError> Errors { get; } = errors;
}
