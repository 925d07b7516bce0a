namespace SuperCloud.Lab.ApiServer;

/// <summary>A parsed label selector (<c>a=b,c!=d,e in (f,g),h notin (i),j,!k</c>) as the list API accepts.</summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    /// <summary>The selector that matches everything.</summary>
    public static readonly LabelSelector Everything = new();

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw Errors.BadRequest($"unable to parse requirement: found '', expected: identifier");
            }

            selector._requirements.Add(ParseRequirement(part));
        }

        return selector;
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part)
    {
        if (part.StartsWith('!'))
        {
            var key = Key(part[1..].Trim());
            return labels => !labels.ContainsKey(key);
        }

        var setMatch = System.Text.RegularExpressions.Regex.Match(part, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
        if (setMatch.Success)
        {
            var key = Key(setMatch.Groups[1].Value);
            var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
            if (setMatch.Groups[2].Value == "in")
            {
                if (values.Count == 0)
                {
                    throw Errors.BadRequest($"unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
                }

                return labels => labels.TryGetValue(key, out var v) && values.Contains(v);
            }

            return labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        foreach (var op in new[] { "!=", "==", "=" })
        {
            var index = part.IndexOf(op, StringComparison.Ordinal);
            if (index > 0)
            {
                var key = Key(part[..index].Trim());
                var value = part[(index + op.Length)..].Trim();
                if (!LabelValue(value))
                {
                    throw Errors.BadRequest($"unable to parse requirement: values[0][{key}]: Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
                }

                return op == "!="
                    ? labels => !labels.TryGetValue(key, out var v) || v != value
                    : labels => labels.TryGetValue(key, out var v) && v == value;
            }
        }

        var existsKey = Key(part);
        return labels => labels.ContainsKey(existsKey);
    }

    private static string Key(string key)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(key, @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"))
        {
            throw Errors.BadRequest($"unable to parse requirement: invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        }

        return key;
    }

    private static bool LabelValue(string value) =>
        value.Length <= 63 && System.Text.RegularExpressions.Regex.IsMatch(value, @"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}
