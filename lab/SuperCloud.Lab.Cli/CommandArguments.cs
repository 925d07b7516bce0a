namespace SuperCloud.Lab.Cli;

/// <summary>Flags of one subcommand (<c>--flag VALUE</c>, <c>--flag=VALUE</c>, switches) and the arguments after <c>--</c>.</summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);

    private CommandArguments(IReadOnlyList<string> passThrough) => PassThrough = passThrough;

    /// <summary>The arguments after <c>--</c>, passed on unchanged.</summary>
    public IReadOnlyList<string> PassThrough { get; }

    /// <summary>Parses <paramref name="args"/>; an unknown, repeated or valueless flag throws <see cref="Hosts.LabUsageException"/> naming it.</summary>
    public static CommandArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valueFlags, IReadOnlyCollection<string>? switches = null)
    {
        var separator = args.ToList().IndexOf("--");
        var own = separator < 0 ? args : args.Take(separator).ToList();
        var parsed = new CommandArguments(separator < 0 ? [] : args.Skip(separator + 1).ToList());
        for (var i = 0; i < own.Count; i++)
        {
            var (flag, inline) = own[i].Split('=', 2) is [var f, var v] ? (f, v) : (own[i], null);
            if (switches?.Contains(flag) == true && inline is null)
            {
                parsed._switches.Add(flag);
                continue;
            }

            if (!valueFlags.Contains(flag))
            {
                throw new Hosts.LabUsageException(own[i].StartsWith('-')
                    ? $"unknown flag \"{own[i]}\" (flags: {string.Join(", ", valueFlags.Concat(switches ?? []))})"
                    : $"unexpected argument \"{own[i]}\"");
            }

            var value = inline ?? (i + 1 < own.Count ? own[++i] : null);
            if (value is null)
            {
                throw new Hosts.LabUsageException($"flag {flag} needs a value");
            }

            if (!parsed._values.TryAdd(flag, value))
            {
                throw new Hosts.LabUsageException($"flag {flag} is given twice");
            }
        }

        return parsed;
    }

    /// <summary>The value of <paramref name="flag"/>, or null.</summary>
    public string? Get(string flag) => _values.GetValueOrDefault(flag);

    /// <summary>The value of <paramref name="flag"/>; throws when it is missing.</summary>
    public string Required(string flag) => Get(flag) is { Length: > 0 } value ? value : throw new Hosts.LabUsageException($"flag {flag} is required");

    /// <summary>Whether the switch <paramref name="flag"/> was given.</summary>
    public bool Has(string flag) => _switches.Contains(flag) || _values.ContainsKey(flag);
}
