namespace SuperCloud.Crds.Schema;

/// <summary>Declares a list of scalars as a set (<c>x-kubernetes-list-type: set</c>): items must be unique.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListSetAttribute : Attribute;
