namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>How list items are identified when merging (<c>x-kubernetes-list-type</c>).</summary>
internal enum ListKind
{
    /// <summary>The list is replaced as a whole.</summary>
    Atomic,

    /// <summary>Items are scalars identified by value.</summary>
    Set,

    /// <summary>Items are objects identified by the key fields.</summary>
    Map,
}
