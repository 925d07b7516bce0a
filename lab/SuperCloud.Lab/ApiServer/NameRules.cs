using System.Text.RegularExpressions;

namespace SuperCloud.Lab.ApiServer;

/// <summary>kube's object-name rules (DNS-1123 subdomain/label, DNS-1035 label, path segment) with its exact messages.</summary>
internal static partial class NameRules
{
    private const string SubdomainPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private const string LabelPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1035Pattern = "[a-z]([-a-z0-9]*[a-z0-9])?";

    [GeneratedRegex("^" + SubdomainPattern + "$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^" + LabelPattern + "$")]
    private static partial Regex Label();

    [GeneratedRegex("^" + Dns1035Pattern + "$")]
    private static partial Regex Dns1035();

    /// <summary>The problems with <paramref name="name"/> for objects of <paramref name="resource"/>; empty when valid.</summary>
    public static IReadOnlyList<string> Check(ApiResource resource, string name) =>
        (resource.Group, resource.Plural) switch
        {
            ("", "namespaces") => Dns1123Label(name),
            ("", "services") => Dns1035Label(name),
            ("rbac.authorization.k8s.io", _) => PathSegment(name),
            _ => Dns1123Subdomain(name),
        };

    public static IReadOnlyList<string> Dns1123Subdomain(string name)
    {
        var problems = new List<string>();
        if (name.Length > 253)
        {
            problems.Add("must be no more than 253 characters");
        }

        if (!Subdomain().IsMatch(name))
        {
            problems.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + SubdomainPattern + "')");
        }

        return problems;
    }

    public static IReadOnlyList<string> Dns1123Label(string name)
    {
        var problems = new List<string>();
        if (name.Length > 63)
        {
            problems.Add("must be no more than 63 characters");
        }

        if (!Label().IsMatch(name))
        {
            problems.Add("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + LabelPattern + "')");
        }

        return problems;
    }

    private static List<string> Dns1035Label(string name)
    {
        var problems = new List<string>();
        if (name.Length > 63)
        {
            problems.Add("must be no more than 63 characters");
        }

        if (!Dns1035().IsMatch(name))
        {
            problems.Add("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" + Dns1035Pattern + "')");
        }

        return problems;
    }

    private static List<string> PathSegment(string name)
    {
        if (name is "." or "..")
        {
            return [$"may not be '{name}'"];
        }

        var problems = new List<string>();
        foreach (var bad in new[] { "/", "%" })
        {
            if (name.Contains(bad, StringComparison.Ordinal))
            {
                problems.Add($"may not contain '{bad}'");
            }
        }

        return problems;
    }
}
