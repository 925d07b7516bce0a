namespace SuperCloud.Images;

/// <summary>How far a pull has come.</summary>
/// <param name="BytesDone">Bytes of the image in the cache (downloaded now or before).</param>
/// <param name="BytesTotal">Bytes of all its blobs.</param>
/// <param name="Source">The registry being pulled from.</param>
public sealed record PullProgress(long BytesDone, long BytesTotal, string Source);
