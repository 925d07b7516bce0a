using SuperCloud.Images;

namespace SuperCloud.NodeAgent.Images;

/// <summary>Where one pull stands.</summary>
/// <param name="Source">The image.</param>
/// <param name="Phase">Pulling, ready or failed.</param>
/// <param name="BytesDone">Bytes in the cache so far.</param>
/// <param name="BytesTotal">Bytes of the image (0 until its manifest is read).</param>
/// <param name="Registry">The registry being pulled from.</param>
/// <param name="Failure">Why it failed, when it did.</param>
/// <param name="Message">The failure's text.</param>
public sealed record ImagePullState(ImageSource Source, ImagePullPhase Phase, long BytesDone, long BytesTotal, string Registry, RegistryErrorKind? Failure, string Message);
