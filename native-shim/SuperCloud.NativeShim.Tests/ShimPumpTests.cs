using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace SuperCloud.NativeShim.Tests;

public sealed class ShimPumpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    private static async Task WriteAndCloseAsync(TestPipe pipe, byte[] data)
    {
        await pipe.Stream.WriteAsync(data);
        pipe.Stream.Dispose(); // end of input for the pump
    }

    private static async Task<byte[]> ReadAllAsync(TestPipe pipe)
    {
        using var buffer = new MemoryStream();
        await pipe.Stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>Pumps <paramref name="input"/> through one pump and returns what came out.</summary>
    private static async Task<(byte[] Output, PumpStats Stats)> PumpAsync(byte[] input, PumpOptions options)
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        var reader = ReadAllAsync(outOf);
        PumpStats stats;
        using (var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, options))
        {
            var writer = WriteAndCloseAsync(into, input);
            await pump.RunAsync(CancellationToken.None).WaitAsync(Timeout);
            await writer.WaitAsync(Timeout);
            stats = pump.GetStats();
        }

        outOf.ClosePumpEnd();
        return (await reader.WaitAsync(Timeout), stats);
    }

    [Fact]
    public async Task Raw_pump_copies_every_byte_and_reports_counters()
    {
        var data = RandomBytes(32 << 20);
        var (output, stats) = await PumpAsync(data, new PumpOptions());
        SHA256.HashData(output).Should().Equal(SHA256.HashData(data));
        stats.PayloadBytes.Should().Be(data.Length);
        stats.BytesIn.Should().Be(data.Length);
        stats.BytesOut.Should().Be(data.Length);
        stats.State.Should().Be(PumpState.Succeeded);
        stats.UsesSplice.Should().BeTrue();
    }

    [Fact]
    public async Task Raw_pump_with_splice_disabled_uses_buffered_copies()
    {
        var data = RandomBytes(4 << 20);
        var (output, stats) = await PumpAsync(data, new PumpOptions { DisableSplice = true });
        output.Should().Equal(data);
        stats.UsesSplice.Should().BeFalse();
    }

    [Theory]
    [InlineData(FrameDigest.XxHash64)]
    [InlineData(FrameDigest.Crc32C)]
    public async Task Encoded_stream_decodes_to_the_original_bytes(FrameDigest digest)
    {
        var data = RandomBytes(8 << 20);
        var (encoded, encodeStats) = await PumpAsync(data, new PumpOptions { Mode = PumpMode.Encode, Digest = digest, ChunkSize = 256 << 10 });
        encoded.Length.Should().Be(data.Length + (int)(encodeStats.Chunks + 1) * 32);
        var (decoded, decodeStats) = await PumpAsync(encoded, new PumpOptions { Mode = PumpMode.Decode, Digest = digest });
        decoded.Should().Equal(data);
        decodeStats.Chunks.Should().Be(encodeStats.Chunks);
    }

    [Fact]
    public async Task Encoded_frames_follow_the_documented_format()
    {
        var data = RandomBytes(100_000);
        var (encoded, _) = await PumpAsync(data, new PumpOptions { Mode = PumpMode.Encode, Digest = FrameDigest.XxHash64 });
        var header = encoded.AsSpan(0, 32);
        header[..4].ToArray().Should().Equal("SCPF"u8.ToArray());
        header[5].Should().Be(1, "the first frame is a DATA frame");
        BinaryPrimitives.ReadUInt64LittleEndian(header[8..]).Should().Be(0UL);
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        var payload = encoded.AsSpan(32, length);
        payload.ToArray().Should().Equal(data.AsSpan(0, length).ToArray());
        BinaryPrimitives.ReadUInt64LittleEndian(header[24..]).Should().Be(FrameDigests.XxHash64(payload, seed: 0));
        var headerCheck = FrameDigests.Crc32C(header[24..], FrameDigests.Crc32C(header[..20]));
        BinaryPrimitives.ReadUInt32LittleEndian(header[20..]).Should().Be(headerCheck);
        var end = encoded.AsSpan(encoded.Length - 32);
        end[5].Should().Be(2, "the stream ends with an END frame");
        BinaryPrimitives.ReadUInt64LittleEndian(end[24..]).Should().Be((ulong)data.Length);
    }

    [Fact]
    public async Task Framed_stream_crosses_unix_domain_sockets_handed_to_the_pumps()
    {
        var data = RandomBytes(16 << 20);
        var dir = Directory.CreateTempSubdirectory("shim-");
        try
        {
            // writer -> [socket a] -> encoder -> [socket b] -> decoder -> [socket c] -> reader
            var (aWrite, aRead) = await ConnectedUnixSocketsAsync(Path.Combine(dir.FullName, "a"));
            var (bWrite, bRead) = await ConnectedUnixSocketsAsync(Path.Combine(dir.FullName, "b"));
            var (cWrite, cRead) = await ConnectedUnixSocketsAsync(Path.Combine(dir.FullName, "c"));
            using (aRead)
            using (bWrite)
            using (bRead)
            using (cRead)
            using (cWrite)
            {
                var reader = Task.Run(async () =>
                {
                    using var buffer = new MemoryStream();
                    await using var stream = new NetworkStream(cRead, ownsSocket: false);
                    await stream.CopyToAsync(buffer);
                    return buffer.ToArray();
                });
                var writer = Task.Run(async () =>
                {
                    using (aWrite)
                    {
                        await aWrite.SendAsync(data);
                        aWrite.Shutdown(SocketShutdown.Send);
                    }
                });
                // The pumps are disposed before the sockets: Socket.Dispose waits for every reference to its handle.
                using (var encoder = ShimPump.Create(aRead.SafeHandle, bWrite.SafeHandle, new PumpOptions { Mode = PumpMode.Encode, Digest = FrameDigest.Crc32C }))
                using (var decoder = ShimPump.Create(bRead.SafeHandle, cWrite.SafeHandle, new PumpOptions { Mode = PumpMode.Decode, Digest = FrameDigest.Crc32C }))
                {
                    var decoding = decoder.RunAsync(CancellationToken.None);
                    await encoder.RunAsync(CancellationToken.None).WaitAsync(Timeout);
                    await decoding.WaitAsync(Timeout);
                    decoder.GetStats().PayloadBytes.Should().Be(data.Length);
                }

                cWrite.Shutdown(SocketShutdown.Send);
                cWrite.Dispose();
                await writer.WaitAsync(Timeout);
                (await reader.WaitAsync(Timeout)).Should().Equal(data);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(Socket Client, Socket Server)> ConnectedUnixSocketsAsync(string path)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return (client, await accept.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Decoding_a_flipped_byte_throws_ShimStreamCorruptedException()
    {
        var data = RandomBytes(1 << 20);
        var (encoded, _) = await PumpAsync(data, new PumpOptions { Mode = PumpMode.Encode, ChunkSize = 64 << 10 });
        encoded[encoded.Length / 2] ^= 0x01;
        var act = () => PumpAsync(encoded, new PumpOptions { Mode = PumpMode.Decode });
        var ex = (await act.Should().ThrowAsync<ShimStreamCorruptedException>()).Which;
        ex.Errno.Should().Be(74);
        ex.Operation.Should().Be("sc_pump_run");
        ex.Message.Should().StartWith("sc_pump_run failed with EBADMSG (74)");
        ex.IsTruncation.Should().BeFalse();
    }

    [Fact]
    public async Task Decoding_a_truncated_stream_throws_ShimStreamCorruptedException()
    {
        var data = RandomBytes(1 << 20);
        var (encoded, _) = await PumpAsync(data, new PumpOptions { Mode = PumpMode.Encode });
        var act = () => PumpAsync(encoded[..^32], new PumpOptions { Mode = PumpMode.Decode });
        var ex = (await act.Should().ThrowAsync<ShimStreamCorruptedException>()).Which;
        ex.Errno.Should().Be(71);
        ex.IsTruncation.Should().BeTrue();
        ex.Message.Should().Contain("stream truncated");
    }

    [Fact]
    public async Task Cancelling_the_token_stops_a_pump_waiting_for_input_promptly()
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        using var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions { Mode = PumpMode.Decode });
        using var cts = new CancellationTokenSource();
        var run = pump.RunAsync(cts.Token);
        await WaitUntilAsync(() => pump.GetStats().State == PumpState.Running);
        var stopwatch = Stopwatch.StartNew();
        await cts.CancelAsync();
        var act = () => run.WaitAsync(Timeout);
        (await act.Should().ThrowAsync<OperationCanceledException>()).Which.CancellationToken.Should().Be(cts.Token);
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        pump.GetStats().State.Should().Be(PumpState.Cancelled);
    }

    [Fact]
    public void Cancel_before_run_makes_run_throw_OperationCanceledException()
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        using var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions());
        pump.Cancel();
        var act = pump.Run;
        act.Should().Throw<OperationCanceledException>().WithMessage("sc_pump_run: pump cancelled");
    }

    [Fact]
    public async Task Disposing_a_running_pump_cancels_it()
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions());
        var run = pump.RunAsync(CancellationToken.None);
        await WaitUntilAsync(() => pump.GetStats().State == PumpState.Running);
        pump.Dispose();
        var act = () => run.WaitAsync(Timeout);
        await act.Should().ThrowAsync<OperationCanceledException>();
        var stats = () => pump.GetStats();
        stats.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task Counters_show_progress_while_a_paced_pump_runs()
    {
        const int total = 2 << 20;
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        var reader = ReadAllAsync(outOf);
        using (var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions { RateBytesPerSecond = 4 << 20 }))
        {
            var run = pump.RunAsync(CancellationToken.None);
            var writer = WriteAndCloseAsync(into, RandomBytes(total));
            await WaitUntilAsync(() => pump.GetStats() is { PayloadBytes: > 0 and < total, State: PumpState.Running });
            await run.WaitAsync(Timeout);
            await writer.WaitAsync(Timeout);
            var stats = pump.GetStats();
            stats.PayloadBytes.Should().Be(total);
            stats.Throttled.Should().BePositive();
        }

        outOf.ClosePumpEnd();
        (await reader.WaitAsync(Timeout)).Length.Should().Be(total);
    }

    [Fact]
    public void Running_a_pump_twice_throws_EALREADY()
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        using var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions());
        into.Stream.Dispose(); // end of input: the first run succeeds at once
        pump.Run();
        var act = pump.Run;
        var ex = act.Should().Throw<ShimException>().Which;
        ex.Errno.Should().Be(114);
        ex.Operation.Should().Be("sc_pump_run");
    }

    [Fact]
    public void Native_option_errors_name_the_field()
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        var act = () => ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions { ChunkSize = 100 });
        var ex = act.Should().Throw<ShimException>().Which;
        ex.Errno.Should().Be(22);
        ex.Operation.Should().Be("sc_pump_create");
        ex.Message.Should().Contain("chunk_size 100");
        var digestInRawMode = () => ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions { Digest = FrameDigest.Crc32C });
        digestInRawMode.Should().Throw<ShimException>().Which.Message.Should().Contain("needs mode ENCODE or DECODE");
    }

    [Fact]
    public void Managed_option_errors_name_the_property()
    {
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        var negativeRate = () => ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions { RateBytesPerSecond = -1 });
        negativeRate.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("RateBytesPerSecond");
        var badMode = () => ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions { Mode = (PumpMode)9 });
        badMode.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Mode");
        var noOptions = () => ShimPump.Create(into.PumpEnd, outOf.PumpEnd, null!);
        noOptions.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Creating_a_pump_on_a_closed_handle_throws_ObjectDisposedException()
    {
        using var outOf = TestPipe.OutOfPump();
        var closed = new AnonymousPipeServerStream(PipeDirection.In);
        var handle = closed.SafePipeHandle;
        closed.Dispose();
        var act = () => ShimPump.Create(handle, outOf.PumpEnd, new PumpOptions());
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task Pump_keeps_its_handles_alive_until_it_is_disposed()
    {
        var data = RandomBytes(1 << 20);
        using var into = TestPipe.IntoPump();
        using var outOf = TestPipe.OutOfPump();
        var reader = ReadAllAsync(outOf);
        using (var pump = ShimPump.Create(into.PumpEnd, outOf.PumpEnd, new PumpOptions()))
        {
            // The owners let go of their copies; the pump's references keep the fds open.
            into.ClosePumpEnd();
            outOf.ClosePumpEnd();
            var writer = WriteAndCloseAsync(into, data);
            await pump.RunAsync(CancellationToken.None).WaitAsync(Timeout);
            await writer.WaitAsync(Timeout);
        }

        (await reader.WaitAsync(Timeout)).Should().Equal(data);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within the timeout");
            await Task.Delay(5);
        }
    }
}
