using System.Text.Json;
using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Spot;

/// <summary>Reads and changes <c>DIR/spot-market.json</c> under an exclusive lock, replacing it atomically.</summary>
/// <param name="dataDir">The lab's data directory.</param>
/// <param name="time">The clock for the lock's deadline.</param>
public sealed class SpotMarketStore(string dataDir, TimeProvider time)
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "spot-market.json";

    /// <summary>The lock file's name in the data directory.</summary>
    public const string LockName = "spot-market.lock";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The market file.</summary>
    public string Path => System.IO.Path.Combine(dataDir, FileName);

    /// <summary>The market, or null when the lab has none.</summary>
    public SpotMarketState? Read()
    {
        try
        {
            return JsonSerializer.Deserialize<SpotMarketState>(File.ReadAllText(Path), Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new LabCommandException($"{Path} is not a spot market file: {e.Message}");
        }
    }

    /// <summary>Applies <paramref name="change"/> to the market (or <paramref name="initial"/> when there is none), writes it and returns what <paramref name="change"/> returned.</summary>
    public async Task<T> UpdateAsync<T>(Func<SpotMarketState, T> change, CancellationToken cancellationToken, SpotMarketState? initial = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var fileLock = await LockAsync(cancellationToken);
        var state = Read() ?? initial ?? throw new LabCommandException($"the lab in {dataDir} has no spot market ({FileName} is missing); is `supercloud-lab up` running?");
        var result = change(state);
        var temporary = Path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(state, Json), cancellationToken);
        File.Move(temporary, Path, overwrite: true);
        return result;
    }

    // flock(2) through an exclusive open, as the lab state file: `up` and `spot` take turns.
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(System.IO.Path.Combine(dataDir, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (time.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken);
            }
        }
    }
}
