using System.Globalization;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Reads this host's CPU count and memory (from <c>/proc/meminfo</c>).</summary>
public sealed class HostResources
{
    /// <summary>Returns the host's CPUs and total memory in MiB.</summary>
    public (int Cpus, long MemoryMib) Read()
    {
        long memoryKib = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                memoryKib = long.Parse(line["MemTotal:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                break;
            }
        }

        return (Environment.ProcessorCount, memoryKib / 1024);
    }
}
