namespace SuperCloud.Operator.Runtime;

/// <summary>Surfaces a terminal reconcile error to users (a condition on the object, an Event); must not throw.</summary>
/// <param name="key">The object whose reconcile failed.</param>
/// <param name="error">The terminal error.</param>
/// <param name="cancellationToken">Cancelled when the controller stops.</param>
public delegate Task TerminalErrorHandler(ObjectKey key, TerminalReconcileException error, CancellationToken cancellationToken);
