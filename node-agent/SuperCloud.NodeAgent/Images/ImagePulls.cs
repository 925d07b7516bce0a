using System.Collections.Concurrent;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Images;

/// <summary>
/// The PullImage RPC's view of this host's pulls: it starts a pull in the background and answers with its state (progress,
/// ready, or the failure), so the operator can show progress without holding a call open. A failed pull is kept until
/// the next request for the image, which starts it again; the operator's backoff paces the retries.
/// </summary>
/// <param name="cache">The host's image cache.</param>
/// <param name="logger">Logs failures.</param>
public sealed class ImagePulls(ImageCache cache, ILogger<ImagePulls> logger)
{
    private readonly ConcurrentDictionary<Digest, Pull> _pulls = new();

    /// <summary>The state of the pull of <paramref name="source"/>, starting it when it is not running and not in the cache.</summary>
    public async Task<ImagePullState> RequestAsync(ImageSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_pulls.TryGetValue(source.Digest, out var running) && running.Task is { IsCompleted: false })
        {
            return running.State;
        }

        if (running is { Task.IsCompletedSuccessfully: false } failed)
        {
            // The failure is reported once; the request after it tries again.
            _pulls.TryRemove(new KeyValuePair<Digest, Pull>(source.Digest, failed));
            return failed.State;
        }

        if (await cache.GetAsync(source.Digest, cancellationToken) is { } cached)
        {
            _pulls.TryRemove(source.Digest, out _);
            var size = cached.Image.Blobs.Sum(b => b.Size);
            return new ImagePullState(source, ImagePullPhase.Ready, size, size, "", null, "");
        }

        var pull = _pulls.GetOrAdd(source.Digest, _ => new Pull(source));
        lock (pull)
        {
            if (pull.Task is null)
            {
                pull.Task = Task.Run(() => RunAsync(pull), CancellationToken.None);
            }
        }

        return pull.State;
    }

    /// <summary>Waits until <paramref name="source"/> is in the cache (pulling it when needed); throws <see cref="ImageUnavailableException"/> for <paramref name="vmId"/> otherwise.</summary>
    public async Task EnsureAsync(string vmId, ImageSource source, CancellationToken cancellationToken)
    {
        try
        {
            await cache.PullAsync(source, null, cancellationToken);
        }
        catch (RegistryException ex)
        {
            throw new ImageUnavailableException(vmId, ex);
        }
    }

    private async Task RunAsync(Pull pull)
    {
        try
        {
            await cache.PullAsync(pull.Source, new Progress(pull), CancellationToken.None);
            pull.State = pull.State with { Phase = ImagePullPhase.Ready, BytesDone = pull.State.BytesTotal };
        }
        catch (RegistryException ex)
        {
            logger.LogWarning("Pulling image {Image} failed ({Kind}): {Message}", pull.Source, ex.Kind, ex.Message);
            pull.State = pull.State with { Phase = ImagePullPhase.Failed, Failure = ex.Kind, Message = ex.Message };
            throw;
        }
    }

    private sealed class Pull(ImageSource source)
    {
        public ImageSource Source { get; } = source;

        public volatile ImagePullState State = new(source, ImagePullPhase.Pulling, 0, 0, "", null, "");

        public Task? Task { get; set; }
    }

    private sealed class Progress(Pull pull) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) =>
            pull.State = pull.State with { BytesDone = value.BytesDone, BytesTotal = value.BytesTotal, Registry = value.Source };
    }
}
