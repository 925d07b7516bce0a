namespace SuperCloud.E2E.Tests;

/// <summary>Whether a pid is a live process.</summary>
internal static class ProcessState
{
    /// <summary>True while the process exists and is no zombie (a daemonized QEMU is reparented and may stay unreaped).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
