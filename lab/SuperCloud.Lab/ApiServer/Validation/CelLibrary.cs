using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Cel;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// The shared CEL environment with the Kubernetes CEL libraries the Cel package lacks, registered as functions:
/// extended strings, lists, regex, quantity, URL and IP/CIDR.
/// </summary>
internal static class CelLibrary
{
    private static readonly Lazy<CelEnvironment> Shared = new(Create);

    /// <summary>Names callable as global functions (<c>f(x)</c>) or receiver functions (<c>x.f()</c>).</summary>
    public static readonly HashSet<string> KnownFunctions = new(StringComparer.Ordinal)
    {
        // Built into the Cel package (standard CEL).
        "has", "size", "int", "uint", "double", "string", "bytes", "bool", "dyn", "type", "duration", "timestamp",
        "matches", "contains", "startsWith", "endsWith", "exists", "all", "exists_one", "map", "filter",
        "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours",
        "getMinutes", "getSeconds", "getMilliseconds",
    };

    /// <summary>Identifiers that are not variables but still valid (type names).</summary>
    public static readonly HashSet<string> TypeIdentifiers = new(StringComparer.Ordinal)
    {
        "int", "uint", "double", "string", "bytes", "bool", "list", "map", "null_type", "type",
    };

    /// <summary>The environment every rule compiles in.</summary>
    public static CelEnvironment Environment => Shared.Value;

    private static CelEnvironment Create()
    {
        var env = new CelEnvironment([], null);

        // The Cel package returns size() as Int32, which its own string()/double() do not accept.
        Register(env, "string", [typeof(int)], a => ((int)a[0]!).ToString(CultureInfo.InvariantCulture));
        Register(env, "double", [typeof(int)], a => (double)(int)a[0]!);

        // Kubernetes extended strings library.
        Register(env, "charAt", 2, a => CharAt(Str(a[0]), Long(a[1])));
        Register(env, "indexOf", 2, a => a[0] is string s ? s.IndexOf(Str(a[1]), StringComparison.Ordinal) : ListIndexOf(List(a[0]), a[1], last: false));
        Register(env, "indexOf", 3, a => (long)Str(a[0]).IndexOf(Str(a[1]), (int)Long(a[2]), StringComparison.Ordinal));
        Register(env, "lastIndexOf", 2, a => a[0] is string s ? s.LastIndexOf(Str(a[1]), StringComparison.Ordinal) : ListIndexOf(List(a[0]), a[1], last: true));
        Register(env, "lowerAscii", 1, a => AsciiCase(Str(a[0]), upper: false));
        Register(env, "upperAscii", 1, a => AsciiCase(Str(a[0]), upper: true));
        Register(env, "replace", 3, a => Str(a[0]).Replace(Str(a[1]), Str(a[2]), StringComparison.Ordinal));
        Register(env, "split", 2, a => Str(a[0]).Split(Str(a[1])).Cast<object?>().ToList());
        Register(env, "substring", 2, a => Str(a[0])[(int)Long(a[1])..]);
        Register(env, "substring", 3, a => Str(a[0])[(int)Long(a[1])..(int)Long(a[2])]);
        Register(env, "trim", 1, a => Str(a[0]).Trim());
        Register(env, "join", 1, a => string.Join("", List(a[0]).Select(Str)));
        Register(env, "join", 2, a => string.Join(Str(a[1]), List(a[0]).Select(Str)));
        Register(env, "reverse", 1, a => new string(Str(a[0]).Reverse().ToArray()));

        // Optional values, for oldSelf of rules with optionalOldSelf.
        Register(env, "hasValue", 1, a => Optional(a[0]).HasValue);
        Register(env, "value", 1, a => Optional(a[0]) is { HasValue: true } o ? o.Value : throw new InvalidOperationException("optional.none() dereference"));
        Register(env, "orValue", 2, a => Optional(a[0]) is { HasValue: true } o ? o.Value : a[1]);

        // Kubernetes lists library.
        Register(env, "isSorted", 1, a => IsSorted(List(a[0])));
        Register(env, "sum", 1, a => Sum(List(a[0])));
        Register(env, "min", 1, a => List(a[0]).Count == 0 ? throw new InvalidOperationException("min called on empty list") : List(a[0]).Min(Comparer));
        Register(env, "max", 1, a => List(a[0]).Count == 0 ? throw new InvalidOperationException("max called on empty list") : List(a[0]).Max(Comparer));

        // Kubernetes regex library.
        Register(env, "find", 2, a => Regex.Match(Str(a[0]), Str(a[1])) is { Success: true } m ? m.Value : "");
        Register(env, "findAll", 2, a => Regex.Matches(Str(a[0]), Str(a[1])).Select(m => (object?)m.Value).ToList());
        Register(env, "findAll", 3, a => Regex.Matches(Str(a[0]), Str(a[1])).Take(Long(a[2]) < 0 ? int.MaxValue : (int)Long(a[2])).Select(m => (object?)m.Value).ToList());

        // Kubernetes quantity library.
        Register(env, "quantity", 1, a => KubeQuantity.Parse(Str(a[0])));
        Register(env, "isQuantity", 1, a => KubeQuantity.TryParse(Str(a[0]), out _));
        Register(env, "isInteger", 1, a => Quantity(a[0]).IsInteger);
        Register(env, "asInteger", 1, a => Quantity(a[0]).IsInteger ? (long)Quantity(a[0]).Value : throw new InvalidOperationException("cannot convert value to integer"));
        Register(env, "asApproximateFloat", 1, a => (double)Quantity(a[0]).Value);
        Register(env, "sign", 1, a => (long)Math.Sign(Quantity(a[0]).Value));
        Register(env, "add", 2, a => Quantity(a[0]).Add(Quantity(a[1])));
        Register(env, "sub", 2, a => Quantity(a[0]).Subtract(Quantity(a[1])));
        Register(env, "isGreaterThan", 2, a => Quantity(a[0]).CompareTo(Quantity(a[1])) > 0);
        Register(env, "isLessThan", 2, a => Quantity(a[0]).CompareTo(Quantity(a[1])) < 0);
        Register(env, "compareTo", 2, a => (long)Quantity(a[0]).CompareTo(Quantity(a[1])));

        // Kubernetes URL library.
        Register(env, "url", 1, a => Uri.TryCreate(Str(a[0]), UriKind.Absolute, out var u) ? u : throw new FormatException($"URL parse error during conversion from string: {Str(a[0])}"));
        Register(env, "isURL", 1, a => Uri.TryCreate(Str(a[0]), UriKind.Absolute, out _));
        Register(env, "getScheme", 1, a => Url(a[0]).Scheme);
        Register(env, "getHost", 1, a => Url(a[0]).IsDefaultPort ? Url(a[0]).Host : $"{Url(a[0]).Host}:{Url(a[0]).Port}");
        Register(env, "getHostname", 1, a => Url(a[0]).Host.Trim('[', ']'));
        Register(env, "getPort", 1, a => Url(a[0]).IsDefaultPort ? "" : Url(a[0]).Port.ToString(CultureInfo.InvariantCulture));
        Register(env, "getEscapedPath", 1, a => Url(a[0]).AbsolutePath);

        // Kubernetes IP and CIDR libraries.
        Register(env, "isIP", 1, a => IPAddress.TryParse(Str(a[0]), out _) && !Str(a[0]).Contains('%', StringComparison.Ordinal));
        Register(env, "ip", 1, a => IPAddress.TryParse(Str(a[0]), out var ip) ? ip : throw new FormatException($"IP Address {GoText.Quote(Str(a[0]))} parse error during conversion from string"));
        Register(env, "isCIDR", 1, a => IPNetwork.TryParse(Str(a[0]), out _));
        Register(env, "cidr", 1, a => IPNetwork.TryParse(Str(a[0]), out var n) ? (object)n : throw new FormatException($"network address parse error during conversion from string: {Str(a[0])}"));
        Register(env, "family", 1, a => Ip(a[0]).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4L : 6L);
        Register(env, "isLoopback", 1, a => IPAddress.IsLoopback(Ip(a[0])));
        Register(env, "containsIP", 2, a => Cidr(a[0]).Contains(a[1] is string s ? IPAddress.Parse(s) : Ip(a[1])));
        Register(env, "prefixLength", 1, a => (long)Cidr(a[0]).PrefixLength);
        return env;
    }

    private static void Register(CelEnvironment env, string name, Type[] types, Func<object?[], object?> fn)
    {
        env.RegisterFunction(name, types, args => fn(args));
        KnownFunctions.Add(name);
    }

    private static void Register(CelEnvironment env, string name, int arity, Func<object?[], object?> fn) =>
        Register(env, name, Enumerable.Repeat(typeof(object), arity).ToArray(), fn);

    private static string Str(object? o) => o as string ?? throw new InvalidOperationException($"no such overload: expected string, got {TypeName(o)}");

    private static long Long(object? o) => o switch
    {
        long l => l,
        int i => i,
        ulong u => (long)u,
        _ => throw new InvalidOperationException($"no such overload: expected int, got {TypeName(o)}"),
    };

    private static List<object?> List(object? o) => o is IEnumerable e and not string and not IDictionary
        ? e.Cast<object?>().ToList()
        : throw new InvalidOperationException($"no such overload: expected list, got {TypeName(o)}");

    private static KubeQuantity Quantity(object? o) => o switch
    {
        KubeQuantity q => q,
        long l => KubeQuantity.FromInteger(l),
        int i => KubeQuantity.FromInteger(i),
        _ => throw new InvalidOperationException($"no such overload: expected Quantity, got {TypeName(o)}"),
    };

    private static CelOptional Optional(object? o) => o as CelOptional ?? throw new InvalidOperationException($"no such overload: expected optional, got {TypeName(o)}");

    private static Uri Url(object? o) => o as Uri ?? throw new InvalidOperationException($"no such overload: expected URL, got {TypeName(o)}");

    private static IPAddress Ip(object? o) => o as IPAddress ?? throw new InvalidOperationException($"no such overload: expected IP, got {TypeName(o)}");

    private static IPNetwork Cidr(object? o) => o is IPNetwork n ? n : throw new InvalidOperationException($"no such overload: expected CIDR, got {TypeName(o)}");

    private static string TypeName(object? o) => o switch
    {
        null => "null_type",
        string => "string",
        long or int => "int",
        double => "double",
        bool => "bool",
        IDictionary => "map",
        IEnumerable => "list",
        _ => o.GetType().Name,
    };

    private static string CharAt(string s, long i) =>
        i < 0 || i > s.Length ? throw new InvalidOperationException($"index out of range: {i}") : i == s.Length ? "" : s[(int)i].ToString();

    private static string AsciiCase(string s, bool upper) =>
        string.Create(s.Length, s, (span, src) =>
        {
            for (var k = 0; k < src.Length; k++)
            {
                var c = src[k];
                span[k] = upper ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : (c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
            }
        });

    private static long ListIndexOf(List<object?> list, object? value, bool last)
    {
        var indexes = Enumerable.Range(0, list.Count);
        foreach (var i in last ? indexes.Reverse() : indexes)
        {
            if (Comparer.Compare(list[i], value) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsSorted(List<object?> list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (Comparer.Compare(list[i - 1], list[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static object Sum(List<object?> list)
    {
        if (list.All(x => x is long or int))
        {
            return list.Sum(x => Convert.ToInt64(x, CultureInfo.InvariantCulture));
        }

        return list.Sum(x => Convert.ToDouble(x, CultureInfo.InvariantCulture));
    }

    private static readonly ValueComparer Comparer = new();

    /// <summary>Orders CEL scalars: numbers by value, strings ordinally, booleans false first.</summary>
    private sealed class ValueComparer : IComparer<object?>
    {
        public int Compare(object? x, object? y) => (x, y) switch
        {
            (string a, string b) => string.CompareOrdinal(a, b),
            (bool a, bool b) => a.CompareTo(b),
            (KubeQuantity a, KubeQuantity b) => a.CompareTo(b),
            (long or int or double or ulong, long or int or double or ulong) =>
                Convert.ToDouble(x, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(y, CultureInfo.InvariantCulture)),
            _ => Equals(x, y) ? 0 : throw new InvalidOperationException($"no such overload: cannot compare {TypeName(x)} and {TypeName(y)}"),
        };
    }
}
