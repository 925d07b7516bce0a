namespace SuperCloud.Kubectl;

/// <summary>A command could not do what was asked; the message names the object and why (exit code 1).</summary>
/// <param name="message">What failed.</param>
internal sealed class CommandFailedException(string message) : Exception(message);
