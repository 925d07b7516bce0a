namespace SuperCloud.Images;

/// <summary>A manifest as the registry served it: its bytes (which hash to <see cref="Digest"/>) and media type.</summary>
/// <param name="Digest">The digest of <see cref="Bytes"/>, verified.</param>
/// <param name="MediaType">The media type the registry announced (or the document declares).</param>
/// <param name="Bytes">The exact bytes.</param>
public sealed record ManifestContent(Digest Digest, string MediaType, byte[] Bytes);
