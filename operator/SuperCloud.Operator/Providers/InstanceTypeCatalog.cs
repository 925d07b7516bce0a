namespace SuperCloud.Operator.Providers;

/// <summary>
/// vCPUs and memory of the instance types SuperCloud converts prices for (EC2's general-purpose, compute- and
/// memory-optimised families, 5th to 7th generation). A price of a type not listed cannot be split per vCPU and GiB.
/// </summary>
public static class InstanceTypeCatalog
{
    private static readonly Dictionary<string, decimal> Families = new(StringComparer.Ordinal)
    {
        // GiB per vCPU of each family.
        ["m5"] = 4, ["m6i"] = 4, ["m6a"] = 4, ["m7i"] = 4, ["m7g"] = 4, ["m6g"] = 4,
        ["c5"] = 2, ["c6i"] = 2, ["c6a"] = 2, ["c7i"] = 2, ["c7g"] = 2, ["c6g"] = 2,
        ["r5"] = 8, ["r6i"] = 8, ["r6a"] = 8, ["r7i"] = 8, ["r7g"] = 8, ["r6g"] = 8,
    };

    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["large"] = 2, ["xlarge"] = 4, ["2xlarge"] = 8, ["4xlarge"] = 16, ["8xlarge"] = 32, ["12xlarge"] = 48, ["16xlarge"] = 64, ["24xlarge"] = 96,
    };

    /// <summary>vCPUs and GiB of <paramref name="instanceType"/>, or null when the type is not known.</summary>
    public static (int Vcpus, decimal MemoryGiB)? Lookup(string instanceType)
    {
        ArgumentNullException.ThrowIfNull(instanceType);
        var parts = instanceType.Split('.');
        if (parts.Length != 2 || !Families.TryGetValue(parts[0], out var gibPerVcpu) || !Sizes.TryGetValue(parts[1], out var vcpus))
        {
            return null;
        }

        return (vcpus, vcpus * gibPerVcpu);
    }
}
