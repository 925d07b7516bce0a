using System.Text;

namespace SuperCloud.NativeShim.Tests;

public sealed class FrameDigestsTests
{
    [Theory]
    [InlineData("", 0UL, 0xEF46DB3751D8E999UL)]
    [InlineData("abc", 0UL, 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0UL, 0xFBCEA83C8A378BF1UL)]
    [InlineData("xxhash", 20141025UL, 0xB559B98D844E0635UL)]
    public void XxHash64_matches_reference_vectors(string text, ulong seed, ulong expected)
    {
        FrameDigests.XxHash64(Encoding.ASCII.GetBytes(text), seed).Should().Be(expected);
    }

    [Fact]
    public void Crc32C_matches_check_value_and_continues_across_calls()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        FrameDigests.Crc32C(data).Should().Be(0xE3069283u);
        FrameDigests.Crc32C(data.AsSpan(4), FrameDigests.Crc32C(data.AsSpan(0, 4))).Should().Be(0xE3069283u);
        FrameDigests.Crc32C(new byte[32]).Should().Be(0x8A9136AAu);
    }
}
