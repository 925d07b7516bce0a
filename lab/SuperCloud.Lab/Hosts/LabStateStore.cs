using System.Text.Json;

namespace SuperCloud.Lab.Hosts;

/// <summary>Reads and changes a lab's state file (<c>DIR/lab-state.json</c>) under an exclusive lock, replacing it atomically.</summary>
/// <param name="dataDir">The lab's data directory.</param>
/// <param name="time">The clock for the lock's deadline.</param>
public sealed class LabStateStore(string dataDir, TimeProvider time)
{
    /// <summary>The state file's name in the data directory.</summary>
    public const string FileName = "lab-state.json";

    private const string LockName = "lab-state.lock";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The state file.</summary>
    public string Path => System.IO.Path.Combine(dataDir, FileName);

    /// <summary>The state, or null when there is no lab in the data directory.</summary>
    public LabState? Read()
    {
        try
        {
            return JsonSerializer.Deserialize<LabState>(File.ReadAllText(Path), Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new LabCommandException($"{Path} is not a lab state file: {e.Message}");
        }
    }

    /// <summary>Applies <paramref name="change"/> to the current state (or <paramref name="initial"/> when there is none) and writes it.</summary>
    public async Task<LabState> UpdateAsync(Action<LabState> change, CancellationToken cancellationToken, LabState? initial = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var fileLock = await LockAsync(cancellationToken);
        var state = Read() ?? initial ?? throw new LabCommandException($"no lab in {dataDir} ({FileName} is missing); start one with `supercloud-lab up`");
        change(state);
        var temporary = Path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(state, Json), cancellationToken);
        File.Move(temporary, Path, overwrite: true);
        return state;
    }

    /// <summary>Removes the state file and its lock file.</summary>
    public void Delete()
    {
        if (!Directory.Exists(dataDir))
        {
            return;
        }

        File.Delete(Path);
        File.Delete(Path + ".tmp");
        File.Delete(System.IO.Path.Combine(dataDir, LockName));
    }

    // An exclusive open takes flock(2) on Unix: `up` and the lab subcommands (separate processes) take turns.
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDir);
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(System.IO.Path.Combine(dataDir, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (time.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            }
        }
    }
}
