namespace SuperCloud.Lab.Spot;

/// <summary>An instance-metadata answer.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ContentType">The body's type.</param>
/// <param name="Body">The body.</param>
public sealed record InstanceMetadataResponse(int Status, string ContentType, string Body);
