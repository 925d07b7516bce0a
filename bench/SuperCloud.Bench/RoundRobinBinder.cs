using System.Threading.Channels;
using k8s;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// The floor of create + bind through the API server: SuperPods seen without a node on a watch are bound round-robin,
/// with no cache, filter or score, through the scheduler's own status write (a PUT of /status that carries the
/// watched resourceVersion, <see cref="ResourceClient{T}.ReplaceAsync"/>), by as many workers as the operator runs.
/// </summary>
internal sealed class RoundRobinBinder(ResourceClient<SuperPod> pods, IReadOnlyList<string> nodes, int workers)
{
    private int _next = -1;

    /// <summary>Binds every unbound SuperPod created after <paramref name="fromVersion"/> until cancelled.</summary>
    public async Task RunAsync(string fromVersion, CancellationToken cancellationToken)
    {
        var pending = Channel.CreateUnbounded<SuperPod>(new UnboundedChannelOptions { SingleWriter = true });
        var binders = Enumerable.Range(0, workers)
            .Select(_ => Task.Run(() => BindAllAsync(pending.Reader, cancellationToken), CancellationToken.None))
            .ToArray();
        try
        {
            await foreach (var e in ResumingWatch.EventsAsync(pods, fromVersion, cancellationToken))
            {
                if (e.Type == WatchEventType.Added && string.IsNullOrEmpty(e.Entity!.Status?.Node))
                {
                    pending.Writer.TryWrite(e.Entity);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            pending.Writer.TryComplete();
            await Task.WhenAll(binders);
        }
    }

    private async Task BindAllAsync(ChannelReader<SuperPod> pending, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var pod in pending.ReadAllAsync(cancellationToken))
            {
                var node = nodes[(int)((uint)Interlocked.Increment(ref _next) % (uint)nodes.Count)];
                var status = pod.Status ??= new SuperPodStatus();
                status.Node = node;
                status.Phase = SuperPodPhase.Scheduled;
                await pods.ReplaceAsync(pod, "status", cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
