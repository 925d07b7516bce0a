using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Bounds on one live migration, in the spirit of KubeVirt's migration configuration.</summary>
[CelRule("!has(self.allowPostCopy) || !self.allowPostCopy || !has(self.allowAutoConverge) || !self.allowAutoConverge", "allowPostCopy and allowAutoConverge cannot both be true: post-copy replaces throttling the guest", FieldPath = ".allowPostCopy")]
public sealed class MigrationLimits
{
    /// <summary>Maximum transfer rate in bytes per second (<c>64Mi</c>); unlimited when empty.</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [Minimum(0)]
    public ResourceQuantity? Bandwidth { get; set; }

    /// <summary>The longest the guest may stay paused during the final switch-over (<c>300ms</c>).</summary>
    [Pattern(Patterns.Duration)]
    [Default("300ms")]
    public string? MaxDowntime { get; set; }

    /// <summary>Time allowed per GiB of guest memory before the migration is cancelled (<c>150s</c>).</summary>
    [Pattern(Patterns.Duration)]
    [Default("150s")]
    public string? CompletionTimeoutPerGiB { get; set; }

    /// <summary>The migration is cancelled when no progress is made for this long (<c>150s</c>).</summary>
    [Pattern(Patterns.Duration)]
    [Default("150s")]
    public string? ProgressTimeout { get; set; }

    /// <summary>Throttle the guest's CPUs when it dirties memory faster than it can be sent.</summary>
    [Default(false)]
    public bool? AllowAutoConverge { get; set; }

    /// <summary>Switch to post-copy (resume on the target, fetch pages on demand) when pre-copy does not converge.</summary>
    [Default(false)]
    public bool? AllowPostCopy { get; set; }
}
