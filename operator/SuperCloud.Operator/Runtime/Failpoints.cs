using System.Diagnostics;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Crash points for resilience tests, like etcd's gofail: <c>--failpoints migration.before=Transferring</c> (or the
/// environment variable <c>SUPERCLOUD_FAILPOINTS</c>) makes
/// the operator kill itself (SIGKILL, no graceful shutdown, the Lease is not released) the moment the named point is
/// reached, so a test can restart it at exactly that step. Off unless configured; every armed point is logged at start.
/// </summary>
public sealed class Failpoints
{
    /// <summary>The environment variable that arms failpoints: comma-separated <c>name=value</c> pairs.</summary>
    public const string EnvironmentVariable = "SUPERCLOUD_FAILPOINTS";

    private readonly Dictionary<string, string> _armed;
    private readonly ILogger<Failpoints> _logger;

    /// <summary>Parses <paramref name="specification"/> (<c>name=value,name=value</c>); an empty one arms nothing.</summary>
    public Failpoints(string? specification, ILogger<Failpoints> logger)
    {
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _armed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (specification ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new ArgumentException($"{EnvironmentVariable}: \"{pair}\" must be name=value");
            }

            var (name, value) = (parts[0], parts[1]);
            _armed[name] = value;
            logger.LogWarning("Failpoint armed: the operator kills itself at {Failpoint}={Value}", name, value);
        }
    }

    /// <summary>True when any failpoint is armed.</summary>
    public bool Any => _armed.Count > 0;

    /// <summary>Kills the process when failpoint <paramref name="name"/> is armed with <paramref name="value"/>.</summary>
    public void Hit(string name, string value)
    {
        if (_armed.TryGetValue(name, out var armed) && string.Equals(armed, value, StringComparison.Ordinal))
        {
            if (_logger.IsEnabled(LogLevel.Critical))
            {
                _logger.LogCritical("Failpoint {Failpoint}={Value} reached: killing the operator", name, value);
            }

            Process.GetCurrentProcess().Kill();
        }
    }
}
