using System.Diagnostics;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Patching;

/// <summary>Runs the repository's kubectl against a test cluster with a private HOME and cache, with a deadline.</summary>
internal static class KubectlRunner
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TestCluster cluster, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.Tool("kubectl"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = cluster.KubeconfigPath;
        psi.Environment["HOME"] = cluster.Directory;
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(cluster.Directory, "kube-cache"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
