namespace SuperCloud.Crds.Schema;

/// <summary>The value the API server fills in when the property is absent (<c>default</c> in the CRD schema).</summary>
/// <param name="value">A string, integer or boolean; enum defaults are given as their serialized string.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    /// <summary>The default value as it appears in JSON.</summary>
    public object Value { get; } = value;
}
