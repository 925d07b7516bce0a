namespace SuperCloud.Operator.Runtime;

/// <summary>The kind-independent face of a <see cref="Controller{T}"/>, so the manager can start every controller when it leads.</summary>
public interface IController
{
    /// <summary>The controller's name (the metrics' and logs' "controller" label).</summary>
    string Name { get; }

    /// <summary>Waits for the caches to sync, then runs the workers until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
