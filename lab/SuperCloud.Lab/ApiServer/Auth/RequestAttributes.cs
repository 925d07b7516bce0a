namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>What a request asks to do, in the terms RBAC rules use (kube's authorizer.Attributes).</summary>
/// <param name="User">Who asks.</param>
/// <param name="Verb">get, list, watch, create, update, patch, delete, deletecollection (resource requests) or the lower-case HTTP method.</param>
/// <param name="IsResourceRequest">False for non-resource URLs (discovery, /version, /openapi, /healthz).</param>
/// <param name="ApiGroup">The API group ("" for core).</param>
/// <param name="Resource">The resource plural.</param>
/// <param name="Subresource">The subresource, or "".</param>
/// <param name="Namespace">The namespace, or "" at the cluster scope.</param>
/// <param name="Name">The object name, or "".</param>
/// <param name="Path">The request path (non-resource requests).</param>
public sealed record RequestAttributes(
    UserInfo User, string Verb, bool IsResourceRequest, string ApiGroup, string Resource, string Subresource, string Namespace, string Name, string Path)
{
    /// <summary>A resource request.</summary>
    public static RequestAttributes ForResource(UserInfo user, string verb, string group, string resource, string subresource, string? ns, string? name) =>
        new(user, verb, true, group, resource, subresource, ns ?? "", name ?? "", "");

    /// <summary>A non-resource request.</summary>
    public static RequestAttributes ForPath(UserInfo user, string verb, string path) => new(user, verb, false, "", "", "", "", "", path);

    /// <summary>kube's forbidden message for this request (<c>User "u" cannot verb resource "r" in API group "g" ...</c>).</summary>
    public string ForbiddenReason()
    {
        if (!IsResourceRequest)
        {
            return $"User \"{User.Username}\" cannot {Verb} path \"{Path}\"";
        }

        var resource = Subresource.Length > 0 ? Resource + "/" + Subresource : Resource;
        return Namespace.Length > 0
            ? $"User \"{User.Username}\" cannot {Verb} resource \"{resource}\" in API group \"{ApiGroup}\" in the namespace \"{Namespace}\""
            : $"User \"{User.Username}\" cannot {Verb} resource \"{resource}\" in API group \"{ApiGroup}\" at the cluster scope";
    }
}
