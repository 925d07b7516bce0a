namespace SuperCloud.Operator.Runtime;

/// <summary>Converges one object, identified only by its key, from the current state (level-based, like controller-runtime).</summary>
/// <remarks>
/// Throwing requeues the key with per-item backoff; throwing <see cref="TerminalReconcileException"/> logs and
/// surfaces the error without retrying; <see cref="ReconcileResult.RequeueAfter"/> schedules the next pass.
/// </remarks>
public interface IReconciler
{
    /// <summary>Reconciles the object named by <paramref name="key"/>; the object may no longer exist.</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}
