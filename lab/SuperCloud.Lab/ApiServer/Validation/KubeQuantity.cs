using System.Globalization;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// A Kubernetes resource quantity (<c>500m</c>, <c>2Gi</c>, <c>1e3</c>) as the CEL <c>quantity()</c> library sees it:
/// an exact decimal value with comparisons and arithmetic.
/// </summary>
internal sealed class KubeQuantity : IComparable<KubeQuantity>, IEquatable<KubeQuantity>
{
    private static readonly Dictionary<string, decimal> Suffixes = new(StringComparer.Ordinal)
    {
        ["Ki"] = 1024m, ["Mi"] = 1024m * 1024, ["Gi"] = 1024m * 1024 * 1024, ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024, ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
        ["n"] = 0.000000001m, ["u"] = 0.000001m, ["m"] = 0.001m, [""] = 1m, ["k"] = 1000m, ["M"] = 1_000_000m,
        ["G"] = 1_000_000_000m, ["T"] = 1_000_000_000_000m, ["P"] = 1_000_000_000_000_000m, ["E"] = 1_000_000_000_000_000_000m,
    };

    private KubeQuantity(decimal value) => Value = value;

    /// <summary>The exact value in base units.</summary>
    public decimal Value { get; }

    /// <summary>Parses the quantity syntax of k8s.io/apimachinery/pkg/api/resource; false when it is not a quantity.</summary>
    public static bool TryParse(string text, out KubeQuantity quantity)
    {
        quantity = new KubeQuantity(0);
        var s = text.Trim();
        if (s.Length == 0 || s != text)
        {
            return false;
        }

        var i = 0;
        if (s[i] is '+' or '-')
        {
            i++;
        }

        var numberStart = i;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        var number = s[numberStart..i];
        if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1)
        {
            return false;
        }

        var suffix = s[i..];
        decimal multiplier;
        if (Suffixes.TryGetValue(suffix, out var m))
        {
            multiplier = m;
        }
        else if (suffix.Length > 1 && suffix[0] is 'e' or 'E'
                 && int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
                 && exponent is >= -28 and <= 28)
        {
            multiplier = Pow10(exponent);
        }
        else
        {
            return false;
        }

        try
        {
            var value = decimal.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * multiplier;
            quantity = new KubeQuantity(s[0] == '-' ? -value : value);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Parses or throws a message naming the bad text.</summary>
    public static KubeQuantity Parse(string text) =>
        TryParse(text, out var q) ? q : throw new FormatException($"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {GoText.Quote(text)}");

    /// <summary>Wraps a plain integer.</summary>
    public static KubeQuantity FromInteger(long value) => new(value);

    /// <summary>Sum.</summary>
    public KubeQuantity Add(KubeQuantity other) => new(Value + other.Value);

    /// <summary>Difference.</summary>
    public KubeQuantity Subtract(KubeQuantity other) => new(Value - other.Value);

    /// <summary>True when the value has no fraction and fits an int64.</summary>
    public bool IsInteger => decimal.Truncate(Value) == Value && Value is >= long.MinValue and <= long.MaxValue;

    /// <inheritdoc/>
    public int CompareTo(KubeQuantity? other) => other is null ? 1 : Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public bool Equals(KubeQuantity? other) => other is not null && Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as KubeQuantity);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    private static decimal Pow10(int exponent)
    {
        var r = 1m;
        for (var k = 0; k < Math.Abs(exponent); k++)
        {
            r *= 10m;
        }

        return exponent < 0 ? 1m / r : r;
    }
}
