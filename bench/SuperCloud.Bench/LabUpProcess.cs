using System.Diagnostics;

namespace SuperCloud.Bench;

/// <summary>Starts <c>supercloud-lab up</c> for a benchmark that needs the whole product in the loop.</summary>
internal static class LabUpProcess
{
    /// <summary>Starts a lab of <paramref name="clouds"/> in <paramref name="dataDir"/>; its output is read and dropped.</summary>
    public static Process Start(string dataDir, string clouds, CancellationToken ct)
    {
        var up = Process.Start(new ProcessStartInfo(RepoPaths.LabCli)
        {
            ArgumentList = { "up", "--data-dir", dataDir, "--clouds", clouds, "--port", "0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("cannot start supercloud-lab up");
        _ = up.StandardOutput.ReadToEndAsync(ct);
        _ = up.StandardError.ReadToEndAsync(ct);
        return up;
    }
}
