namespace SuperCloud.Lab.Spot;

/// <summary>An EC2 Query API answer: the HTTP status and the XML body.</summary>
/// <param name="Status">200, or the error's status.</param>
/// <param name="Xml">The body.</param>
public sealed record Ec2Response(int Status, string Xml);
