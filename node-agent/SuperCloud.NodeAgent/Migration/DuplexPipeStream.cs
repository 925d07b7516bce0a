using System.IO.Pipelines;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// A <see cref="Stream"/> over a Kestrel connection's duplex pipe, so the relay treats both ends of a migration
/// connection alike. Disposing ends it gracefully (what was written still reaches the peer); <see cref="Abort"/> drops
/// the connection at once, which also ends a read or write in progress.
/// </summary>
/// <param name="pipe">The connection's transport.</param>
/// <param name="abort">Aborts the connection.</param>
internal sealed class DuplexPipeStream(IDuplexPipe pipe, Action abort) : Stream
{
    private readonly Stream _input = pipe.Input.AsStream(leaveOpen: true);
    private readonly Stream _output = pipe.Output.AsStream(leaveOpen: true);
    private int _disposed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _input.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _output.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Drops the connection now, without flushing.</summary>
    public void Abort() => abort();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // A read still pending (the peer sends nothing more) ends now; the output is completed after what was written,
            // and Kestrel closes the connection once the handler returns.
            pipe.Input.CancelPendingRead();
            try
            {
                pipe.Output.Complete();
            }
            catch (InvalidOperationException)
            {
                // A write in progress at teardown: the connection closes when the handler returns anyway.
            }
        }

        base.Dispose(disposing);
    }
}
