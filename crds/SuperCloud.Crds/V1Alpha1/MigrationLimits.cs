using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>
/// Bounds on one live migration, in the spirit of KubeVirt's migration configuration. The schema has no defaults on
/// purpose: the operator merges field by field (SuperPodMigration, then the SuperPod's MigrationPolicy, then the
/// built-in defaults named in each field), so a field left unset here can still be inherited.
/// </summary>
public sealed class MigrationLimits
{
    /// <summary>Maximum transfer rate in bytes per second (<c>64Mi</c>); unlimited when neither the SuperPodMigration nor its MigrationPolicy sets it.</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [Minimum(0)]
    public ResourceQuantity? Bandwidth { get; set; }

    /// <summary>The longest the guest may stay paused during the final switch-over; default <c>300ms</c> when neither the SuperPodMigration nor its MigrationPolicy sets it.</summary>
    [Pattern(Patterns.Duration)]
    public string? MaxDowntime { get; set; }

    /// <summary>Time allowed per GiB of guest memory (at least one GiB is counted); when it runs out the migration switches to post-copy if allowed, else it is cancelled; default <c>150s</c> when neither the SuperPodMigration nor its MigrationPolicy sets it.</summary>
    [Pattern(Patterns.Duration)]
    public string? CompletionTimeoutPerGiB { get; set; }

    /// <summary>The migration is cancelled when no progress is made for this long; default <c>150s</c> when neither the SuperPodMigration nor its MigrationPolicy sets it.</summary>
    [Pattern(Patterns.Duration)]
    public string? ProgressTimeout { get; set; }

    /// <summary>Throttle the guest's CPUs when it dirties memory faster than it can be sent; default false when neither the SuperPodMigration nor its MigrationPolicy sets it.</summary>
    public bool? AllowAutoConverge { get; set; }

    /// <summary>Switch to post-copy (resume on the target, fetch pages on demand) when pre-copy has not converged by the completion timeout, after auto-converge if that is allowed too; default false when neither the SuperPodMigration nor its MigrationPolicy sets it.</summary>
    public bool? AllowPostCopy { get; set; }
}
