using System.Collections.Concurrent;
using System.Diagnostics;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// A long-running command (a TCP stream reader, a ping) whose every output line is kept with the moment it arrived, so
/// a test can measure gaps and losses; disposal kills its process tree.
/// </summary>
internal sealed class LineRecorder : IDisposable
{
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _lines = new();
    private readonly Process _process;

    private LineRecorder(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Every line so far, stdout and stderr, with its arrival time.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Line)> Lines => [.. _lines];

    public static LineRecorder Start(string name, string path, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var recorder = new LineRecorder(name, process);
        process.OutputDataReceived += (_, e) => recorder.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => recorder.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return recorder;
    }

    public string Diagnostics() =>
        $"--- {Name} ({(_process.HasExited ? $"exited with {_process.ExitCode}" : "running")}), last lines:\n{string.Join('\n', _lines.TakeLast(20).Select(l => $"{l.At:HH:mm:ss.fff} {l.Line}"))}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (!string.IsNullOrEmpty(line))
        {
            _lines.Enqueue((DateTimeOffset.UtcNow, line));
        }
    }
}
