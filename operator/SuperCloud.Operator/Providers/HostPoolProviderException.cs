namespace SuperCloud.Operator.Providers;

/// <summary>A provider call that failed: the cloud's error code (<c>InvalidInstanceID.NotFound</c>) and message, or why the provider cannot be used.</summary>
public sealed class HostPoolProviderException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The cloud's error code, or a SuperCloud one (<c>Configuration</c>, <c>Unreachable</c>).</summary>
    public string Code { get; } = code;
}
