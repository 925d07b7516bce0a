using System.Text;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>
/// Keeps guests' console logs within a size, as the kubelet does for container logs: a guest writes to its serial
/// console as fast as it likes, and an unbounded file would let it fill the host's disk. The hypervisor appends to
/// <c>console.log</c> (opened with O_APPEND); every check interval, a log over <see cref="MaxSize"/> is rotated by
/// copy-and-truncate — the older files shift (<c>console.log.1</c> → <c>.2</c> …, the oldest dropped), the current
/// content is copied to <c>console.log.1</c> and <c>console.log</c> truncated, so the writer keeps its descriptor and
/// continues at the new end. On disk a VM's console takes at most <see cref="MaxFiles"/> × <see cref="MaxSize"/> plus
/// what the guest writes in one interval. Bytes written between the last copy and the truncation, a few microseconds,
/// can be lost (logrotate's copytruncate has the same window).
/// </summary>
public sealed class ConsoleLogRotator : IAsyncDisposable
{
    /// <summary>The file name of the current console log in a VM's directory.</summary>
    public const string FileName = "console.log";

    private readonly string _stateDirectory;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();

    /// <summary>Starts checking every directory under <paramref name="stateDirectory"/> every <paramref name="interval"/>.</summary>
    public ConsoleLogRotator(string stateDirectory, long maxSize, int maxFiles, TimeSpan interval, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFiles, 1);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _stateDirectory = stateDirectory;
        MaxSize = maxSize;
        MaxFiles = maxFiles;
        _logger = logger;
        _timer = timeProvider.CreateTimer(_ => RotateAll(), null, interval, interval);
    }

    /// <summary>The size above which the current log is rotated.</summary>
    public long MaxSize { get; }

    /// <summary>How many files a console keeps, the current one included (1: the current log is only truncated).</summary>
    public int MaxFiles { get; }

    /// <summary>Rotates every VM's console log that is over the size; a VM that cannot be rotated is logged and skipped.</summary>
    public void RotateAll()
    {
        lock (_gate)
        {
            IEnumerable<string> directories;
            try
            {
                directories = Directory.EnumerateDirectories(_stateDirectory).ToList();
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }

            foreach (var directory in directories)
            {
                var path = Path.Combine(directory, FileName);
                try
                {
                    if (Rotate(path, MaxSize, MaxFiles) && _logger.IsEnabled(LogLevel.Information))
                    {
                        _logger.LogInformation("Rotated console log {Path} (over {MaxSize} bytes)", path, MaxSize);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _logger.LogWarning("Cannot rotate console log {Path}: {Error}", path, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// Rotates <paramref name="path"/> if it is larger than <paramref name="maxSize"/>; returns whether it did. The
    /// writer must have the file open with O_APPEND.
    /// </summary>
    public static bool Rotate(string path, long maxSize, int maxFiles)
    {
        using var current = OpenShared(path, FileMode.Open, FileAccess.ReadWrite);
        if (current is null || current.Length <= maxSize)
        {
            return false;
        }

        if (maxFiles > 1)
        {
            File.Delete(Rotated(path, maxFiles - 1));
            for (var i = maxFiles - 2; i >= 1; i--)
            {
                if (File.Exists(Rotated(path, i)))
                {
                    File.Move(Rotated(path, i), Rotated(path, i + 1));
                }
            }

            using var copy = new FileStream(Rotated(path, 1), FileMode.Create, FileAccess.Write, FileShare.Read);
            // Copy until the file stops growing, so only what arrives between the last read and SetLength is lost.
            var buffer = new byte[81920];
            int read;
            while ((read = current.Read(buffer)) > 0)
            {
                copy.Write(buffer.AsSpan(0, read));
            }

            copy.Flush();
        }

        current.SetLength(0);
        return true;
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes of a console, reaching into <c>console.log.1</c> when the current log is shorter.</summary>
    public static async Task<string> ReadTailAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var current = await ReadEndAsync(path, maxBytes, cancellationToken);
        var earlier = current.Length < maxBytes ? await ReadEndAsync(Rotated(path, 1), maxBytes - current.Length, cancellationToken) : [];
        return Encoding.UTF8.GetString([.. earlier, .. current]);
    }

    /// <summary><c>console.log.N</c>.</summary>
    public static string Rotated(string path, int generation) => $"{path}.{generation}";

    /// <summary>Stops checking.</summary>
    public async ValueTask DisposeAsync() => await _timer.DisposeAsync();

    private static async Task<byte[]> ReadEndAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = OpenShared(path, FileMode.Open, FileAccess.Read);
        if (stream is null)
        {
            return [];
        }

        var start = Math.Max(0, stream.Length - maxBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - start];
        var filled = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return buffer[..filled];
    }

    private static FileStream? OpenShared(string path, FileMode mode, FileAccess access)
    {
        try
        {
            return new FileStream(path, mode, access, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
