using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using SuperCloud.NativeShim;

namespace SuperCloud.Bench;

/// <summary>
/// The native shim pump (through its .NET bindings) beside a managed <see cref="Stream.CopyToAsync(Stream, int, CancellationToken)"/>
/// loop over <see cref="NetworkStream"/>s: the same bytes, the same kind of Unix-domain stream socket pairs, the same run.
/// </summary>
internal sealed class ShimPumpBenchmarks(string workDir)
{
    /// <summary>The issue's 4 GiB; <c>SUPERCLOUD_BENCH_SHIM_BYTES</c> overrides it for a quick look.</summary>
    private const long DefaultBytes = 4L << 30;

    private const int BlockSize = 1 << 20;

    private const int Rounds = 2;

    private const string BaselineName = "Stream.CopyToAsync over NetworkStreams, 1 MiB buffer";

    private static readonly TimeSpan StageTimeout = TimeSpan.FromMinutes(2);

    private static readonly PumpOptions Splice = new();

    private static readonly PumpOptions Buffered = new() { DisableSplice = true };

    private static readonly PumpOptions Encode = new() { Mode = PumpMode.Encode, Digest = FrameDigest.XxHash64 };

    private int _pairs;

    /// <summary>Runs the benchmarks and prints their table under a heading.</summary>
    public async Task PrintAsync(TextWriter output, CancellationToken ct)
    {
        var bytes = BytesToMove();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"native shim pump (writer -> socket pair -> stage -> socket pair -> reader, {bytes / (double)(1L << 30):0.##} GiB per stage, best of {Rounds} rounds)"));
        Report.Print(await RunAsync(bytes, ct), output);
    }

    private async Task<IReadOnlyList<Figure>> RunAsync(long bytes, CancellationToken ct)
    {
        ShimLibrary.EnsureCompatible();

        // A short pass of each stage first, so JIT and first-use costs stay out of the measured runs.
        await MeasureAsync(16 << 20, ManagedCopyAsync, ct);
        await MeasureAsync(16 << 20, PumpCopyAsync(Splice), ct);
        await MeasureAsync(16 << 20, PumpCopyAsync(Buffered), ct);
        await MeasureAsync(16 << 20, PumpCopyAsync(Encode), ct);

        // Two interleaved rounds, best of each: on a shared machine one stage alone can catch a burst of load.
        Measurement managed = default, raw = default, buffered = default, encode = default;
        for (var round = 0; round < Rounds; round++)
        {
            managed = managed.Best(await MeasureAsync(bytes, ManagedCopyAsync, ct));
            raw = raw.Best(await MeasureAsync(bytes, PumpCopyAsync(Splice), ct));
            buffered = buffered.Best(await MeasureAsync(bytes, PumpCopyAsync(Buffered), ct));
            encode = encode.Best(await MeasureAsync(bytes, PumpCopyAsync(Encode), ct));
        }
        var memory = GC.GetTotalMemory(false);

        return
        [
            new Figure("shim pump raw (splice), throughput", raw.GigabytesPerSecond, managed.GigabytesPerSecond, "GB/s", BaselineName, true, memory),
            new Figure("shim pump raw (buffered copies), throughput", buffered.GigabytesPerSecond, managed.GigabytesPerSecond, "GB/s", BaselineName, true, memory),
            new Figure("shim pump encode xxh64, throughput", encode.GigabytesPerSecond, managed.GigabytesPerSecond, "GB/s", BaselineName, true, memory),
            new Figure("shim pump raw (splice), process CPU/GB", raw.CpuSecondsPerGigabyte, managed.CpuSecondsPerGigabyte, "CPU s/GB", BaselineName, false, memory),
            new Figure("shim pump raw (buffered copies), process CPU/GB", buffered.CpuSecondsPerGigabyte, managed.CpuSecondsPerGigabyte, "CPU s/GB", BaselineName, false, memory),
            new Figure("shim pump encode xxh64, process CPU/GB", encode.CpuSecondsPerGigabyte, managed.CpuSecondsPerGigabyte, "CPU s/GB", BaselineName, false, memory),
        ];
    }

    private static long BytesToMove()
    {
        var value = Environment.GetEnvironmentVariable("SUPERCLOUD_BENCH_SHIM_BYTES");
        if (string.IsNullOrEmpty(value))
        {
            return DefaultBytes;
        }

        return long.TryParse(value, out var bytes) && bytes > 0
            ? bytes
            : throw new ArgumentException($"SUPERCLOUD_BENCH_SHIM_BYTES must be a positive byte count, got \"{value}\".");
    }

    /// <summary>
    /// Moves <paramref name="bytes"/> from a writer thread through socket pair a, the stage and socket pair b into a
    /// reader thread. CPU is the whole process's (writer and reader are the same code for every stage).
    /// </summary>
    private async Task<Measurement> MeasureAsync(long bytes, Func<Socket, Socket, CancellationToken, Task> stage, CancellationToken ct)
    {
        var (aWrite, aRead) = await ConnectedPairAsync(ct);
        var (bWrite, bRead) = await ConnectedPairAsync(ct);
        using (aWrite)
        using (aRead)
        using (bWrite)
        using (bRead)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var reader = Task.Factory.StartNew(() => Drain(bRead), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var writer = Task.Factory.StartNew(() => Fill(aWrite, bytes), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await stage(aRead, bWrite, ct).WaitAsync(StageTimeout, ct);
            bWrite.Shutdown(SocketShutdown.Send);
            await writer.WaitAsync(StageTimeout, ct);
            var received = await reader.WaitAsync(StageTimeout, ct);
            var elapsed = sw.Elapsed;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            if (received < bytes)
            {
                throw new InvalidOperationException($"The stage delivered {received} of {bytes} bytes.");
            }

            var gigabytes = bytes / 1e9;
            return new Measurement(gigabytes / elapsed.TotalSeconds, cpu.TotalSeconds / gigabytes);
        }
    }

    private static async Task ManagedCopyAsync(Socket input, Socket output, CancellationToken ct)
    {
        await using var source = new NetworkStream(input, ownsSocket: false);
        await using var destination = new NetworkStream(output, ownsSocket: false);
        await source.CopyToAsync(destination, BlockSize, ct);
    }

    private static Func<Socket, Socket, CancellationToken, Task> PumpCopyAsync(PumpOptions options) => async (input, output, ct) =>
    {
        // Disposed before the sockets: Socket.Dispose waits until the pump releases its handle references.
        using var pump = ShimPump.Create(input.SafeHandle, output.SafeHandle, options);
        await pump.RunAsync(ct);
        if (options.Mode == PumpMode.Raw && pump.GetStats().UsesSplice == options.DisableSplice)
        {
            throw new InvalidOperationException($"The raw pump {(options.DisableSplice ? "spliced" : "did not splice")}; the figure's label would be wrong.");
        }
    };

    private static void Fill(Socket socket, long bytes)
    {
        var block = new byte[BlockSize];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = (byte)((uint)i * 2654435761u >> 13);
        }

        for (var left = bytes; left > 0;)
        {
            var sent = socket.Send(block, 0, (int)Math.Min(left, block.Length), SocketFlags.None);
            left -= sent;
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    private static long Drain(Socket socket)
    {
        var buffer = new byte[BlockSize];
        long total = 0;
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            total += n;
        }

        return total;
    }

    /// <summary>A connected Unix-domain stream socket pair (what socketpair(AF_UNIX, SOCK_STREAM) gives C).</summary>
    private async Task<(Socket Client, Socket Server)> ConnectedPairAsync(CancellationToken ct)
    {
        var path = Path.Combine(workDir, $"shim-{Interlocked.Increment(ref _pairs)}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            var accept = listener.AcceptAsync(ct);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return (client, await accept);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private readonly record struct Measurement(double GigabytesPerSecond, double CpuSecondsPerGigabyte)
    {
        /// <summary>The higher throughput and the lower CPU cost of two measurements (default counts as none).</summary>
        public Measurement Best(Measurement other) => this == default
            ? other
            : new(Math.Max(GigabytesPerSecond, other.GigabytesPerSecond), Math.Min(CpuSecondsPerGigabyte, other.CpuSecondsPerGigabyte));
    }
}
