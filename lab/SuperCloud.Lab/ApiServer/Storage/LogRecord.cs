using System.Buffers.Binary;
using System.Text;

namespace SuperCloud.Lab.ApiServer.Storage;

/// <summary>
/// One record of the store's log: the checkpoint header, an object of the checkpoint, a retained watch event of the
/// checkpoint (already in its objects), or a change applied after it. Objects are their UTF-8 JSON.
/// </summary>
/// <param name="Kind">What the record is.</param>
/// <param name="Type">ADDED, MODIFIED or DELETED (events and changes).</param>
/// <param name="Group">API group of the object.</param>
/// <param name="Plural">Resource plural of the object.</param>
/// <param name="ResourceVersion">The object's (or the checkpoint's) resourceVersion.</param>
/// <param name="Object">The object's JSON (empty for the header).</param>
/// <param name="Old">The previous state of a MODIFIED watch event of the checkpoint (for selector transitions).</param>
/// <param name="CompactedThrough">The header only: the newest resourceVersion a watch can no longer resume from.</param>
internal sealed record LogRecord(LogRecordKind Kind, string Type, string Group, string Plural, long ResourceVersion, byte[] Object, byte[]? Old, long CompactedThrough = 0)
{
    public static LogRecord Header(long resourceVersion, long compactedThrough) =>
        new(LogRecordKind.Checkpoint, "", "", "", resourceVersion, [], null, compactedThrough);

    /// <summary>The payload (framed by <see cref="StoreLog"/> with its length and checksum).</summary>
    public byte[] Encode()
    {
        var group = Encoding.UTF8.GetBytes(Group);
        var plural = Encoding.UTF8.GetBytes(Plural);
        var size = 1 + 1 + 8 + 8 + 2 + group.Length + 2 + plural.Length + 4 + Object.Length + 4 + (Old?.Length ?? 0);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = (byte)Kind;
        span[1] = Type switch { "ADDED" => (byte)'A', "MODIFIED" => (byte)'M', "DELETED" => (byte)'D', _ => (byte)'-' };
        BinaryPrimitives.WriteInt64LittleEndian(span[2..], ResourceVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[10..], CompactedThrough);
        var at = 18;
        at = WriteBytes(span, at, group, 2);
        at = WriteBytes(span, at, plural, 2);
        at = WriteBytes(span, at, Object, 4);
        if (Old is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], -1);
        }
        else
        {
            WriteBytes(span, at, Old, 4);
        }

        return buffer;
    }

    /// <summary>Decodes a payload whose checksum matched; throws <see cref="InvalidDataException"/> when it is malformed.</summary>
    public static LogRecord Decode(ReadOnlySpan<byte> payload)
    {
        try
        {
            var kind = (LogRecordKind)payload[0];
            if (!Enum.IsDefined(kind))
            {
                throw new InvalidDataException($"unknown record kind {payload[0]}");
            }

            var type = payload[1] switch { (byte)'A' => "ADDED", (byte)'M' => "MODIFIED", (byte)'D' => "DELETED", _ => "" };
            var rv = BinaryPrimitives.ReadInt64LittleEndian(payload[2..]);
            var compacted = BinaryPrimitives.ReadInt64LittleEndian(payload[10..]);
            var at = 18;
            var group = Encoding.UTF8.GetString(ReadBytes(payload, ref at, 2));
            var plural = Encoding.UTF8.GetString(ReadBytes(payload, ref at, 2));
            var obj = ReadBytes(payload, ref at, 4).ToArray();
            var oldLength = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
            var old = oldLength < 0 ? null : ReadBytes(payload, ref at, 4).ToArray();
            return new LogRecord(kind, type, group, plural, rv, obj, old, compacted);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException("truncated record", e);
        }
    }

    private static int WriteBytes(Span<byte> span, int at, byte[] bytes, int lengthSize)
    {
        if (lengthSize == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], checked((ushort)bytes.Length));
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], bytes.Length);
        }

        bytes.CopyTo(span[(at + lengthSize)..]);
        return at + lengthSize + bytes.Length;
    }

    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> payload, ref int at, int lengthSize)
    {
        var length = lengthSize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(payload[at..]) : BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        var bytes = payload.Slice(at + lengthSize, length);
        at += lengthSize + length;
        return bytes;
    }
}
