using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace SuperCloud.NativeShim.Tests;

/// <summary>An OS pipe with one end as a .NET stream and the other as a raw handle for the pump.</summary>
internal sealed class TestPipe : IDisposable
{
    private readonly AnonymousPipeServerStream _server;

    private TestPipe(PipeDirection streamDirection) => _server = new AnonymousPipeServerStream(streamDirection, HandleInheritability.None);

    /// <summary>The .NET side of the pipe.</summary>
    public Stream Stream => _server;

    /// <summary>The pump's side of the pipe.</summary>
    public SafePipeHandle PumpEnd => _server.ClientSafePipeHandle;

    /// <summary>A pipe .NET writes into and the pump reads from.</summary>
    public static TestPipe IntoPump() => new(PipeDirection.Out);

    /// <summary>A pipe the pump writes into and .NET reads from.</summary>
    public static TestPipe OutOfPump() => new(PipeDirection.In);

    /// <summary>Closes the pump's end (the reader then sees end of file once the pump lets go of it).</summary>
    public void ClosePumpEnd() => _server.DisposeLocalCopyOfClientHandle();

    public void Dispose()
    {
        _server.DisposeLocalCopyOfClientHandle();
        _server.Dispose();
    }
}
