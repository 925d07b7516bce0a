using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SuperCloud.Bench;

/// <summary>A long-running command whose output lines are kept with their arrival times (a TCP stream, a ping); disposal kills it.</summary>
internal sealed class LineRecorder : IDisposable
{
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _lines = new();
    private readonly Process _process;

    private LineRecorder(Process process) => _process = process;

    public static LineRecorder Start(string name, string path, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var recorder = new LineRecorder(process);
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

    /// <summary>How many lines start with <paramref name="prefix"/>.</summary>
    public int Count(string prefix) => _lines.Count(l => l.Line.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>When each line starting with <paramref name="prefix"/> arrived.</summary>
    public List<DateTimeOffset> Times(string prefix) => [.. _lines.Where(l => l.Line.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l.At)];

    /// <summary>The first group of <paramref name="pattern"/> in every line it matches, as a number.</summary>
    public List<int> Numbers(Regex pattern) =>
        [.. _lines.Select(l => pattern.Match(l.Line)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
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
