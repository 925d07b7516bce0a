using System.Globalization;
using System.Runtime.InteropServices;

namespace SuperCloud.Lab.Hosts;

/// <summary>Signals and the /proc facts the lab needs to manage processes that are not (or no longer) its children.</summary>
internal static partial class Posix
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int NoSuchProcess = 3;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process does not exist.</summary>
    public static bool Signal(int pid, int signal)
    {
        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == NoSuchProcess ? false : throw new LabCommandException($"kill({pid}, {signal}) failed: errno {errno}");
    }

    /// <summary>The start time (field 22 of /proc/PID/stat) and state (field 3), or null when there is no such process.</summary>
    public static (long StartTime, char State)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }

        // The command name (field 2) is parenthesized and may hold spaces: count fields after its closing parenthesis.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[19], CultureInfo.InvariantCulture), fields[0][0]);
    }

    /// <summary>True while <paramref name="pid"/> runs and is no zombie, and (when given) started at <paramref name="startTime"/>.</summary>
    public static bool IsRunning(int pid, long? startTime = null) =>
        Stat(pid) is { } stat && stat.State is not ('Z' or 'X') && (startTime is null || stat.StartTime == startTime);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
