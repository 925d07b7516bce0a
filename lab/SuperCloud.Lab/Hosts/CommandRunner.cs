using System.Diagnostics;

namespace SuperCloud.Lab.Hosts;

/// <summary>Runs the short commands that build and tear down the lab (ip, tc) and returns their output; failures throw with the command and its stderr.</summary>
/// <param name="logger">Logs every command at Debug.</param>
public sealed class CommandRunner(ILogger logger)
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; returns stdout, throws <see cref="LabCommandException"/> on a non-zero exit.</summary>
    public async Task<string> RunAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (exitCode, stdout, stderr) = await TryRunAsync(file, args, cancellationToken);
        return exitCode == 0
            ? stdout
            : throw new LabCommandException($"`{Describe(file, args)}` failed with exit code {exitCode}: {stderr.Trim()}");
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> and returns its exit code and output, whatever the exit code.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(
        string file, IReadOnlyList<string> args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Running {Command}", Describe(file, args));
        }

        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new LabCommandException($"`{Describe(file, args)}` did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The command as a shell line, for messages.</summary>
    public static string Describe(string file, IEnumerable<string> args) =>
        string.Join(' ', new[] { file }.Concat(args).Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c)) ? a : $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
}
