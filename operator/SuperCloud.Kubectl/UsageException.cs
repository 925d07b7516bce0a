namespace SuperCloud.Kubectl;

/// <summary>The command line is wrong; the message says what and the usage is printed (exit code 2).</summary>
/// <param name="message">What is wrong, naming the argument.</param>
internal sealed class UsageException(string message) : Exception(message);
