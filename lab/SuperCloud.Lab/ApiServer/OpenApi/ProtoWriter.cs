using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>A minimal protobuf wire-format writer: varints, doubles, strings and nested messages (written, then length-prefixed).</summary>
internal sealed class ProtoWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void String(int field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            Bytes(field, Encoding.UTF8.GetBytes(value));
        }
    }

    public void Bool(int field, bool value)
    {
        if (value)
        {
            Tag(field, 0);
            Varint(1);
        }
    }

    public void Int64(int field, long value)
    {
        if (value != 0)
        {
            Tag(field, 0);
            Varint((ulong)value);
        }
    }

    public void Double(int field, double value)
    {
        if (value != 0)
        {
            Tag(field, 1);
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
            _buffer.Write((ReadOnlySpan<byte>)bytes);
        }
    }

    /// <summary>A nested message; written even when empty (an empty message still marks a oneof or presence).</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        Bytes(field, nested.ToArray());
    }

    private void Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _buffer.Write((ReadOnlySpan<byte>)value);
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.Write([(byte)(value | 0x80)]);
            value >>= 7;
        }

        _buffer.Write([(byte)value]);
    }
}
