using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>One resource the API server serves (a built-in kind or one version of a CRD), as discovery describes it.</summary>
/// <param name="Group">API group; empty for the core group.</param>
/// <param name="Version">API version within the group, e.g. <c>v1</c> or <c>v1alpha1</c>.</param>
/// <param name="Kind">Kind, e.g. <c>SuperPod</c>.</param>
/// <param name="ListKind">Kind of the list, e.g. <c>SuperPodList</c>.</param>
/// <param name="Plural">Plural resource name used in URLs, e.g. <c>superpods</c>.</param>
/// <param name="Singular">Singular name, e.g. <c>superpod</c>.</param>
/// <param name="Namespaced">True when objects live in a namespace.</param>
/// <param name="ShortNames">Short names for kubectl, e.g. <c>sp</c>.</param>
/// <param name="Categories">Categories, e.g. <c>all</c> or <c>supercloud</c>.</param>
/// <param name="Verbs">Verbs served, e.g. create, delete, deletecollection, get, list, patch, update, watch.</param>
/// <param name="HasStatusSubresource">True when <c>/status</c> is a separate subresource.</param>
/// <param name="Schema">The structural <c>openAPIV3Schema</c> of a CRD version; null for built-in kinds.</param>
/// <param name="PrinterColumns">Columns for <c>kubectl get</c>; empty means the default NAME and AGE.</param>
public sealed record ApiResource(
    string Group,
    string Version,
    string Kind,
    string ListKind,
    string Plural,
    string Singular,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Verbs,
    bool HasStatusSubresource,
    JsonObject? Schema,
    IReadOnlyList<PrinterColumn> PrinterColumns)
{
    /// <summary>The apiVersion string objects of this resource carry: <c>v1</c> or <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The group/resource string used in error messages, e.g. <c>superpods.supercloud.dev</c>.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
