namespace SuperCloud.Agent.Contracts.Security;

/// <summary>Writes secrets (private keys) so they are never readable by others, not even for a moment.</summary>
public static class PrivateFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/>: created 0600 under a temporary name (never 0644 first),
    /// its directory created 0700 when missing, then renamed into place, so a reader sees the old file or the new one.
    /// </summary>
    public static void Write(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(text);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(temp, options)))
        {
            writer.Write(text);
        }

        File.Move(temp, path, overwrite: true);
    }
}
