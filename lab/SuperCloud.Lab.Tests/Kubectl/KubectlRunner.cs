using System.Diagnostics;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Kubectl;

/// <summary>Runs the real kubectl from `.tools/bin` against a test cluster, with its own cache dir, a timeout and captured output.</summary>
internal sealed class KubectlRunner(TestCluster cluster)
{
    /// <summary>What a user sees from one kubectl invocation.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public Task<Result> RunAsync(params string[] args) => RunAsync(TimeSpan.FromSeconds(60), null, args);

    /// <summary>Runs kubectl once against <paramref name="cluster"/> with <paramref name="stdin"/> and a 60 s deadline.</summary>
    public static Task<Result> RunOnceAsync(TestCluster cluster, string? stdin, params string[] args) =>
        new KubectlRunner(cluster).RunAsync(TimeSpan.FromSeconds(60), stdin, args);

    public async Task<Result> RunAsync(TimeSpan timeout, string? stdin, params string[] args)
    {
        using var process = Start(stdin is not null, args);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts kubectl without waiting (e.g. <c>kubectl wait</c>); the caller awaits <see cref="FinishAsync"/>.</summary>
    public Process Start(bool redirectStdin, params string[] args)
    {
        var info = new ProcessStartInfo(RepoPaths.Tool("kubectl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(cluster.KubeconfigPath);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(cluster.Directory, "kube-cache"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBECACHEDIR"] = Path.Combine(cluster.Directory, "kube-cache");
        info.Environment["HOME"] = cluster.Directory;
        return Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start");
    }

    public static async Task<Result> FinishAsync(Process process, TimeSpan timeout)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl did not finish within {timeout}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
