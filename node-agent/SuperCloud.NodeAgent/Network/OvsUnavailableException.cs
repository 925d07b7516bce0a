namespace SuperCloud.NodeAgent.Network;

/// <summary>The host's Open vSwitch does not answer or refused to set up the bridges; the message says which step.</summary>
public sealed class OvsUnavailableException(string message) : Exception(message);
