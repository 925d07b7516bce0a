namespace SuperCloud.NodeAgent.Interruption;

/// <summary>The metadata service did not answer as IMDSv2 does (unreachable, an unexpected status, a malformed notice).</summary>
public sealed class InstanceMetadataException(string message, Exception? inner = null) : Exception(message, inner);
