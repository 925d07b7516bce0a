using System.Buffers.Binary;
using System.Text.Json;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The record format of a migration connection, the same in both directions: a 5-byte header (type, then the payload
/// length as a little-endian uint32) and the payload. DATA records carry the framed stream of the native shim pump
/// (whose frames carry the digests), END says that direction's stream is over, CONTROL carries a JSON
/// <see cref="MigrationControl"/>. Control messages can be sent between data records, so the switch-over can happen
/// while pages still flow (post-copy).
/// </summary>
internal static class MigrationWire
{
    public const string AlpnProtocol = "supercloud-migration/1";
    public const int HeaderSize = 5;
    public const int MaxPayload = 1 << 20;
    public const int MaxControlPayload = 64 * 1024;

    public const byte Data = 1;
    public const byte End = 2;
    public const byte Control = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void WriteHeader(Span<byte> destination, byte type, int length)
    {
        destination[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], (uint)length);
    }

    public static async Task WriteControlAsync(Stream stream, MigrationControl message, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        var record = new byte[HeaderSize + payload.Length];
        WriteHeader(record, Control, payload.Length);
        payload.CopyTo(record, HeaderSize);
        await stream.WriteAsync(record, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one record header; null at a clean end of stream before a header.</summary>
    public static async Task<(byte Type, int Length)?> ReadHeaderAsync(Stream stream, byte[] header, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(header.AsMemory(0, HeaderSize), HeaderSize, throwOnEndOfStream: false, cancellationToken);
        return read == 0 ? null : Parse(header, read);
    }

    private static (byte Type, int Length) Parse(byte[] header, int read)
    {
        if (read < HeaderSize)
        {
            throw new MigrationProtocolException("the peer closed the migration connection in the middle of a record header");
        }

        var type = header[0];
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(1));
        var limit = type == Control ? MaxControlPayload : MaxPayload;
        if (type is not (Data or End or Control) || length > limit || (type == End && length != 0))
        {
            throw new MigrationProtocolException($"invalid migration record: type {type}, length {length}");
        }

        return (type, (int)length);
    }

    /// <summary>Reads one record header, blocking; null at a clean end of stream before a header.</summary>
    public static (byte Type, int Length)? ReadHeader(Stream stream, byte[] header)
    {
        var read = stream.ReadAtLeast(header.AsSpan(0, HeaderSize), HeaderSize, throwOnEndOfStream: false);
        return read == 0 ? null : Parse(header, read);
    }

    public static MigrationControl ParseControl(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize<MigrationControl>(payload, Json) ?? throw new MigrationProtocolException("empty control message");
        }
        catch (JsonException ex)
        {
            throw new MigrationProtocolException("malformed control message: " + ex.Message);
        }
    }

    /// <summary>Reads the next record, which must be a CONTROL record (the handshake).</summary>
    public static async Task<MigrationControl> ReadControlAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var next = await ReadHeaderAsync(stream, header, cancellationToken)
            ?? throw new MigrationProtocolException("the peer closed the migration connection during the handshake");
        if (next.Type != Control)
        {
            throw new MigrationProtocolException($"expected a control record during the handshake, got type {next.Type}");
        }

        var payload = new byte[next.Length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return ParseControl(payload);
    }
}
