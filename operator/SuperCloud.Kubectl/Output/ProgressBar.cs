using System.Globalization;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl.Output;

/// <summary>One line of a migration's progress: a bar of the memory sent so far, the phase and QEMU's counters.</summary>
internal static class ProgressBar
{
    public const int Width = 30;

    public static string Render(SuperPodMigration migration)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status;
        var phase = status?.Phase ?? MigrationPhase.Pending;
        var progress = status?.Progress;
        var fraction = phase == MigrationPhase.Succeeded ? 1.0 : Fraction(progress);
        var filled = (int)Math.Round(fraction * Width, MidpointRounding.AwayFromZero);
        var bar = "[" + new string('#', filled) + new string('.', Width - filled) + "]";
        var line = string.Create(CultureInfo.InvariantCulture, $"{bar} {fraction * 100,3:0}%  {phase}");
        if (progress is not null && phase is MigrationPhase.Transferring or MigrationPhase.Switching)
        {
            line += $"  sent {Units.Bytes(progress.BytesSent)}, remaining {Units.Bytes(progress.BytesRemaining)}";
            if (progress.DirtyRateBytesPerSecond is { } dirty)
            {
                line += $", dirty {Units.Bytes(dirty)}/s";
            }

            if (progress.Iterations is { } iterations)
            {
                line += string.Create(CultureInfo.InvariantCulture, $", iteration {iterations}");
            }

            if (progress.PostCopy == true)
            {
                line += ", post-copy";
            }
        }

        return line;
    }

    /// <summary>The line that ends a migration: where the SuperPod went and how long it took, or why it did not move.</summary>
    public static string Summary(SuperPodMigration migration)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status;
        var name = $"{migration.Metadata.NamespaceProperty}/{migration.Spec.SuperPod}";
        return status?.Phase switch
        {
            MigrationPhase.Succeeded => $"SuperPod {name} moved from {Place(status.Source)} to {Place(status.Target)} in {status.TotalTime ?? "-"} (downtime {status.Downtime ?? "-"})",
            MigrationPhase.Failed => $"migration {migration.Metadata.Name} of SuperPod {name} failed: {status.FailureReason ?? "Unknown"}: {status.Message}; the SuperPod stays on {Place(status.Source)}",
            MigrationPhase.Cancelled => $"migration {migration.Metadata.Name} of SuperPod {name} was cancelled: {status.Message ?? status.FailureReason}; the SuperPod stays on {Place(status.Source)}",
            var phase => $"migration {migration.Metadata.Name} of SuperPod {name} is {phase ?? MigrationPhase.Pending}",
        };
    }

    public static bool IsFinished(SuperPodMigration migration) =>
        migration?.Status?.Phase is MigrationPhase.Succeeded or MigrationPhase.Failed or MigrationPhase.Cancelled;

    private static double Fraction(MigrationProgress? progress)
    {
        if (progress?.BytesSent is not { } sent || progress.BytesRemaining is not { } remaining || sent + remaining == 0)
        {
            return 0;
        }

        return Math.Clamp((double)sent / (sent + remaining), 0, 1);
    }

    private static string Place(PlacementLocation? location) =>
        location is null ? "-" : string.Join(" ", new[] { location.Node, location.Cluster is null ? null : $"({location.Cluster})" }.Where(p => p is not null));
}
