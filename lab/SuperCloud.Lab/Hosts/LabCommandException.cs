namespace SuperCloud.Lab.Hosts;

/// <summary>A command the lab ran (ip, tc, a product executable) failed; the message holds the command line and its error output.</summary>
public sealed class LabCommandException(string message) : Exception(message);
