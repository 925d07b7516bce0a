namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>What a schema node is: resolved from the value when <see cref="Deduced"/>.</summary>
internal enum SchemaKind
{
    /// <summary>Unknown: objects are granular, lists atomic, as structured-merge-diff deduces them.</summary>
    Deduced,

    /// <summary>A scalar (string, number, bool) or an opaque value such as int-or-string.</summary>
    Scalar,

    /// <summary>An object with named fields and/or free-form map entries.</summary>
    Object,

    /// <summary>A list.</summary>
    List,
}
