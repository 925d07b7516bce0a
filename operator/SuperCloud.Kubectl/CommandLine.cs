using System.Globalization;

namespace SuperCloud.Kubectl;

/// <summary>Parses <c>kubectl supercloud</c>'s arguments, kubectl's way: flags before or after the name, <c>--flag=value</c> or <c>--flag value</c>.</summary>
internal static class CommandLine
{
    public const string Usage = """
        kubectl supercloud: drive SuperCloud's SuperPods

        Usage:
          kubectl supercloud migrate NAME [--to CLOUD|REGION|CLUSTER|NODE] [--wait] [--timeout 10m]
                                                   live-migrate a SuperPod (the scheduler picks the target without --to);
                                                   --wait shows its progress until it ends
          kubectl supercloud cancel NAME           cancel the SuperPod's migration in flight (before the switch-over)
          kubectl supercloud status NAME           placement, the scheduler's reasons, conditions, migrations and cost
          kubectl supercloud cost [-A]             what each SuperPod and each cloud has cost, beside on-demand
          kubectl supercloud console NAME          interactive serial console (detach with Ctrl-])
          kubectl supercloud pause NAME            stop the VM's vCPUs, keeping it in memory
          kubectl supercloud unpause NAME          resume a paused VM
          kubectl supercloud start NAME            runStrategy Always: run the VM (and restart it when it stops)
          kubectl supercloud stop NAME             runStrategy Halted: power the VM off

        Flags:
          -n, --namespace NS     the SuperPod's namespace (default: the kubeconfig context's)
          -A, --all-namespaces   cost: every namespace
              --kubeconfig PATH  the kubeconfig (default: KUBECONFIG, then ~/.kube/config)
              --context NAME     the kubeconfig context
          -h, --help             this help
        """;

    private static readonly HashSet<string> NamedCommands = new(StringComparer.Ordinal)
    {
        "migrate", "cancel", "status", "console", "pause", "unpause", "start", "stop",
    };

    /// <summary>Parses <paramref name="args"/>; null means help was asked for. Throws <see cref="UsageException"/> naming the bad argument.</summary>
    public static Invocation? Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? command = null, name = null, ns = null, to = null, kubeconfig = null, context = null;
        bool all = false, wait = false;
        var timeout = TimeSpan.FromMinutes(10);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (flag, inline) = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                ? (arg[..eq], arg[(eq + 1)..])
                : (arg, (string?)null);
            switch (flag)
            {
                case "-h" or "--help":
                    return null;
                case "-n" or "--namespace":
                    ns = Value(flag, inline, args, ref i);
                    break;
                case "--kubeconfig":
                    kubeconfig = Value(flag, inline, args, ref i);
                    break;
                case "--context":
                    context = Value(flag, inline, args, ref i);
                    break;
                case "--to":
                    to = Value(flag, inline, args, ref i);
                    break;
                case "--timeout":
                    timeout = Duration(Value(flag, inline, args, ref i));
                    break;
                case "-A" or "--all-namespaces":
                    all = Flag(flag, inline);
                    break;
                case "--wait":
                    wait = Flag(flag, inline);
                    break;
                case var other when other.StartsWith('-') && other.Length > 1:
                    throw new UsageException($"unknown flag: {other}");
                default:
                    if (command is null)
                    {
                        command = arg;
                    }
                    else if (name is null)
                    {
                        name = arg;
                    }
                    else
                    {
                        throw new UsageException($"unexpected argument \"{arg}\": {command} takes one SuperPod name");
                    }

                    break;
            }
        }

        if (command is null)
        {
            return null;
        }

        if (command != "cost" && !NamedCommands.Contains(command))
        {
            throw new UsageException($"unknown command \"{command}\" (one of: migrate, cancel, status, cost, console, pause, unpause, start, stop)");
        }

        if (command == "cost" && name is not null)
        {
            throw new UsageException($"unexpected argument \"{name}\": cost takes no name (it lists every SuperPod; -A for every namespace)");
        }

        if (NamedCommands.Contains(command) && string.IsNullOrEmpty(name))
        {
            throw new UsageException($"{command} needs the name of a SuperPod: kubectl supercloud {command} NAME");
        }

        if (command != "migrate" && (to is not null || wait))
        {
            throw new UsageException($"--to and --wait belong to migrate, not {command}");
        }

        if (all && command != "cost")
        {
            throw new UsageException($"-A/--all-namespaces belongs to cost, not {command}");
        }

        if (all && ns is not null)
        {
            throw new UsageException("-n/--namespace and -A/--all-namespaces exclude each other");
        }

        if (to is { Length: 0 })
        {
            throw new UsageException("--to needs a cloud, region, SuperCluster or SuperNode");
        }

        return new Invocation(command, name, ns, all, to, wait, timeout, kubeconfig, context);
    }

    private static string Value(string flag, string? inline, IReadOnlyList<string> args, ref int i)
    {
        if (inline is not null)
        {
            return inline;
        }

        if (i + 1 >= args.Count || (args[i + 1].StartsWith('-') && args[i + 1].Length > 1))
        {
            throw new UsageException($"flag needs an argument: {flag}");
        }

        return args[++i];
    }

    private static bool Flag(string flag, string? inline) => inline switch
    {
        null or "true" => true,
        "false" => false,
        _ => throw new UsageException($"invalid argument \"{inline}\" for \"{flag}\": true or false"),
    };

    // Go durations as kubectl takes them: 90s, 5m, 1h30m.
    private static TimeSpan Duration(string text)
    {
        var total = TimeSpan.Zero;
        var rest = text;
        while (rest.Length > 0)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            var unit = rest[digits..].TakeWhile(char.IsAsciiLetter).Count();
            if (digits == 0 || unit == 0 || !double.TryParse(rest[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw new UsageException($"invalid argument \"{text}\" for \"--timeout\": a duration like 90s, 5m or 1h");
            }

            total += rest.Substring(digits, unit) switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                var other => throw new UsageException($"invalid argument \"{text}\" for \"--timeout\": unknown unit \"{other}\" (ms, s, m, h)"),
            };
            rest = rest[(digits + unit)..];
        }

        return total > TimeSpan.Zero ? total : throw new UsageException($"invalid argument \"{text}\" for \"--timeout\": must be positive");
    }
}
