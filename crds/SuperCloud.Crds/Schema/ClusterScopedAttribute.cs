namespace SuperCloud.Crds.Schema;

/// <summary>Marks a kind as cluster-scoped; kinds without it are namespaced.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ClusterScopedAttribute : Attribute;
