namespace SuperCloud.Operator.Runtime;

/// <summary>What a reconciler asks of the controller after a successful pass (controller-runtime's <c>Result</c>).</summary>
/// <param name="Requeue">Requeue through the rate limiter (backoff) although no error occurred.</param>
/// <param name="RequeueAfter">When positive, reconcile the key again after this delay; takes precedence over <paramref name="Requeue"/>.</param>
public readonly record struct ReconcileResult(bool Requeue = false, TimeSpan RequeueAfter = default)
{
    /// <summary>The object converged: nothing to do until it changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Reconcile again after <paramref name="delay"/> (polling an external system, waiting for a deadline).</summary>
    public static ReconcileResult After(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(delay, TimeSpan.Zero);
        return new ReconcileResult(RequeueAfter: delay);
    }
}
