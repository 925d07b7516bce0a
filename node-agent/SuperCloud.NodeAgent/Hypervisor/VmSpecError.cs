namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>One problem in a <see cref="VmSpec"/>: the field path (e.g. <c>spec.memoryMib</c>) and what is wrong with it.</summary>
/// <param name="Field">The offending field's path.</param>
/// <param name="Message">What is wrong, including the rejected value.</param>
public sealed record VmSpecError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}
