namespace SuperCloud.Operator.Runtime;

/// <summary>The kind-independent face of an <see cref="Informer{T}"/>, so a host can run and await informers of many kinds.</summary>
public interface IInformer
{
    /// <summary>The informed kind's API coordinates.</summary>
    ResourceType ResourceType { get; }

    /// <summary>True once the first list has been delivered to the cache and the handlers.</summary>
    bool HasSynced { get; }

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Completes when <see cref="HasSynced"/> becomes true.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
