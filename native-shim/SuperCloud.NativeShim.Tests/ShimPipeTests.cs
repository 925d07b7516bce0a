namespace SuperCloud.NativeShim.Tests;

public sealed class ShimPipeTests
{
    [Fact]
    public void Pipe_gets_the_capacity_asked_for_and_carries_a_pumps_stream_to_a_dotnet_reader()
    {
        using var pipe = ShimPipe.Open(1 << 20);
        pipe.Capacity.Should().BeInRange(64 * 1024, 1 << 20);

        // A whole capacity's worth is written without a reader (it fits), then read back intact.
        var data = Enumerable.Range(0, pipe.Capacity).Select(i => (byte)(i * 7)).ToArray();
        using (var writer = new FileStream(pipe.Write, FileAccess.Write, 1))
        {
            writer.Write(data);
        }

        var read = new byte[data.Length];
        using var reader = new FileStream(pipe.Read, FileAccess.Read, 1);
        reader.ReadExactly(read);
        read.Should().Equal(data);
        reader.Read(new byte[1]).Should().Be(0, "the write end is closed");
    }

    [Fact]
    public void Negative_capacity_is_refused_naming_it()
    {
        var act = () => ShimPipe.Open(-1);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("capacity");
    }
}
