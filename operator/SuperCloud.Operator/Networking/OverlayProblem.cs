namespace SuperCloud.Operator.Networking;

/// <summary>An overlay network declaration the operator refused.</summary>
/// <param name="Cluster">The SuperCluster whose declaration it is.</param>
/// <param name="Field">The field at fault (<c>spec.overlay.networks[1].cidr</c>).</param>
/// <param name="Message">What is wrong, naming the field and the other cluster.</param>
/// <param name="OtherCluster">The cluster it conflicts with, if any.</param>
public sealed record OverlayProblem(string Cluster, string Field, string Message, string? OtherCluster);
