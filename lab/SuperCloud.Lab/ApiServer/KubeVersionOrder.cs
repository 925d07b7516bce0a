using System.Text.RegularExpressions;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Kubernetes version priority: v2 &gt; v1 &gt; v1beta2 &gt; v1beta1 &gt; v1alpha1 &gt; non-kube-like versions (alphabetical).</summary>
internal static partial class KubeVersionOrder
{
    [GeneratedRegex("^v(\\d+)(?:(alpha|beta)(\\d+))?$")]
    private static partial Regex KubeLike();

    public static IEnumerable<string> Sort(IEnumerable<string> versions) => versions.OrderBy(v => v, Comparer<string>.Create(Compare));

    /// <summary>Negative when <paramref name="a"/> has the higher priority.</summary>
    public static int Compare(string? a, string? b)
    {
        var ka = Key(a ?? "");
        var kb = Key(b ?? "");
        var c = kb.Rank.CompareTo(ka.Rank);
        if (c != 0)
        {
            return c;
        }

        c = kb.Major.CompareTo(ka.Major);
        if (c != 0)
        {
            return c;
        }

        c = kb.Minor.CompareTo(ka.Minor);
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    private static (int Rank, int Major, int Minor) Key(string v)
    {
        var m = KubeLike().Match(v);
        if (!m.Success)
        {
            return (0, 0, 0);
        }

        var major = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "beta" => (2, major, int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)),
            "alpha" => (1, major, int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)),
            _ => (3, major, 0),
        };
    }
}
