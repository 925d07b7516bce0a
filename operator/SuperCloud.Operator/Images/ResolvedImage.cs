using SuperCloud.Images;

namespace SuperCloud.Operator.Images;

/// <summary>An image pinned by digest, with what its manifest says it holds.</summary>
/// <param name="Source">registry/repository and manifest digest.</param>
/// <param name="Image">The VM image's layers.</param>
public sealed record ResolvedImage(ImageSource Source, VmImage Image);
