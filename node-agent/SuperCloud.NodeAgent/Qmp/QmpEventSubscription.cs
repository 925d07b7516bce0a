using System.Threading.Channels;

namespace SuperCloud.NodeAgent.Qmp;

/// <summary>A live subscription to QMP events; taken before issuing a command so its event cannot be missed.</summary>
public sealed class QmpEventSubscription(ChannelReader<QmpEvent> reader, Action unsubscribe) : IDisposable
{
    /// <summary>The events received since the subscription was taken; completes when the connection closes.</summary>
    public ChannelReader<QmpEvent> Reader { get; } = reader;

    /// <summary>Waits for the next event named <paramref name="name"/>; throws <see cref="QmpDisconnectedException"/> if the connection closes first.</summary>
    public async Task<QmpEvent> WaitForAsync(string name, CancellationToken cancellationToken)
    {
        await foreach (var evt in Reader.ReadAllAsync(cancellationToken))
        {
            if (evt.Name == name)
            {
                return evt;
            }
        }

        throw new QmpDisconnectedException(null, $"connection closed while waiting for event {name}");
    }

    /// <inheritdoc />
    public void Dispose() => unsubscribe();
}
