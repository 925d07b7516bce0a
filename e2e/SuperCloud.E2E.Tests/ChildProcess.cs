using System.Collections.Concurrent;
using System.Diagnostics;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// A started executable whose output lines are kept with their arrival times (a TCP stream, a ping, measured by a test)
/// and whose tail goes into failure messages; disposal kills its process tree.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLines = 40;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _lines = new();
    private readonly Process _process;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>Every line so far, stdout and stderr, with the moment it arrived.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Line)> Lines => [.. _lines];

    public static ChildProcess Start(string name, string path, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} ({path}) did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The last output lines (stdout and stderr interleaved), with the exit code once exited.</summary>
    public string Diagnostics()
    {
        var state = _process.HasExited ? $"exited with {_process.ExitCode}" : "running";
        return $"--- {Name} ({state}), last output:\n{string.Join('\n', _tail)}";
    }

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
            // Already gone between the check and the kill.
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        _lines.Enqueue((DateTimeOffset.UtcNow, line));
        _tail.Enqueue(line);
        while (_tail.Count > TailLines && _tail.TryDequeue(out _))
        {
        }
    }
}
