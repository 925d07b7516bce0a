using System.Globalization;
using k8s.Models;

namespace SuperCloud.Operator.Scheduling;

/// <summary>Converts resource quantities to the integers the scheduler counts in (milli-CPUs, bytes) and back.</summary>
public static class Quantities
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;
    private const long KiB = 1L << 10;

    /// <summary>The quantity in thousandths of a CPU, rounded up (kube's MilliValue); 0 when null.</summary>
    public static long MilliCpu(ResourceQuantity? quantity, string field)
    {
        if (quantity is null)
        {
            return 0;
        }

        return checked((long)Math.Ceiling(Value(quantity, field) * 1000m));
    }

    /// <summary>The quantity in bytes, rounded up; 0 when null.</summary>
    public static long Bytes(ResourceQuantity? quantity, string field)
    {
        if (quantity is null)
        {
            return 0;
        }

        return checked((long)Math.Ceiling(Value(quantity, field)));
    }

    /// <summary>Formats milli-CPUs canonically: <c>16</c>, or <c>7500m</c> when not a whole number.</summary>
    public static ResourceQuantity FromMilliCpu(long milliCpu) =>
        new(milliCpu % 1000 == 0
            ? (milliCpu / 1000).ToString(CultureInfo.InvariantCulture)
            : milliCpu.ToString(CultureInfo.InvariantCulture) + "m");

    /// <summary>Formats bytes with the largest exact binary suffix: <c>64Gi</c>, <c>512Mi</c>, or plain bytes.</summary>
    public static ResourceQuantity FromBytes(long bytes) => new(bytes switch
    {
        0 => "0",
        _ when bytes % GiB == 0 => (bytes / GiB).ToString(CultureInfo.InvariantCulture) + "Gi",
        _ when bytes % MiB == 0 => (bytes / MiB).ToString(CultureInfo.InvariantCulture) + "Mi",
        _ when bytes % KiB == 0 => (bytes / KiB).ToString(CultureInfo.InvariantCulture) + "Ki",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    });

    private static decimal Value(ResourceQuantity quantity, string field)
    {
        decimal value;
        try
        {
            value = quantity.ToDecimal();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ArgumentException($"{field}: '{quantity}' is not a valid quantity", field, e);
        }

        if (value < 0)
        {
            throw new ArgumentException($"{field}: '{quantity}' must not be negative", field);
        }

        return value;
    }
}
