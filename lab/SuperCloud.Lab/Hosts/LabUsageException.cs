namespace SuperCloud.Lab.Hosts;

/// <summary>A bad flag or value on the lab's command line; the message names it. Nothing was changed when it is thrown.</summary>
public sealed class LabUsageException(string message) : Exception(message);
