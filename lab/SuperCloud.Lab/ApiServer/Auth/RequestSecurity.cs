namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// Authentication, impersonation and RBAC authorization of one request, in kube-apiserver's order: who is asking
/// (401 when credentials do not verify), as whom (<c>Impersonate-*</c> headers, each needing the <c>impersonate</c>
/// verb), and may they (403 with kube's message naming the user, verb and resource).
/// </summary>
internal sealed class RequestSecurity(Authenticator authenticator, RbacAuthorizer rbac)
{
    private const string UserKey = "supercloud.lab.user";

    /// <summary>The user a request was authenticated as (the administrator for requests made inside the server).</summary>
    public static UserInfo UserOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(UserKey, out var user) && user is UserInfo u ? u : UserInfo.Admin;
    }

    /// <summary>Authenticates and authorizes the request; throws 401 or 403. The user is kept on the context.</summary>
    public UserInfo Check(HttpContext context, ApiPath? path)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = Impersonate(context, authenticator.Authenticate(context));
        context.Items[UserKey] = user;
        var attributes = Attributes(context, path, user);
        Require(attributes);
        return user;
    }

    /// <summary>The user a request's credentials stand for (401 when they do not verify), without impersonation or authorization.</summary>
    public UserInfo Authenticate(HttpContext context) => authenticator.Authenticate(context);

    /// <summary>Whether RBAC allows <paramref name="attributes"/>.</summary>
    public bool Allows(RequestAttributes attributes) => rbac.Allows(attributes);

    /// <summary>Throws kube's 403 unless RBAC allows <paramref name="attributes"/>.</summary>
    public void Require(RequestAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (rbac.Allows(attributes))
        {
            return;
        }

        if (!attributes.IsResourceRequest)
        {
            throw new StatusException(403, "Forbidden", $"forbidden: {attributes.ForbiddenReason()}");
        }

        var resource = attributes.ApiGroup.Length == 0 ? attributes.Resource : attributes.Resource + "." + attributes.ApiGroup;
        var message = attributes.Name.Length > 0
            ? $"{resource} \"{attributes.Name}\" is forbidden: {attributes.ForbiddenReason()}"
            : $"{resource} is forbidden: {attributes.ForbiddenReason()}";
        throw new StatusException(403, "Forbidden", message) { Name = attributes.Name, Group = attributes.ApiGroup, Kind = attributes.Resource };
    }

    private static RequestAttributes Attributes(HttpContext context, ApiPath? path, UserInfo user)
    {
        var method = context.Request.Method;
        if (path?.Plural is null)
        {
            return RequestAttributes.ForPath(user, method.ToLowerInvariant(), context.Request.Path.Value ?? "/");
        }

        var watch = context.Request.Query["watch"] is var w && (w == "true" || w == "1");
        var verb = method switch
        {
            "GET" when watch => "watch",
            "GET" when path.Name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when path.Name is null => "deletecollection",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        return RequestAttributes.ForResource(user, verb, path.Group ?? "", path.Plural, path.Subresource ?? "", path.Namespace, path.Name);
    }

    private UserInfo Impersonate(HttpContext context, UserInfo requester)
    {
        var headers = context.Request.Headers;
        var name = headers["Impersonate-User"].ToString();
        var groups = headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        var uid = headers["Impersonate-Uid"].ToString();
        var extra = headers.Where(h => h.Key.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => Uri.UnescapeDataString(h.Key["Impersonate-Extra-".Length..]).ToLowerInvariant(), h => (IReadOnlyList<string>)[.. h.Value.Select(v => v ?? "")], StringComparer.Ordinal);
        if (name.Length == 0)
        {
            if (groups.Count > 0 || extra.Count > 0 || uid.Length > 0)
            {
                throw new StatusException(500, "InternalError", "Internal error occurred: requested impersonation of groups, extra or uid without impersonating a user");
            }

            return requester;
        }

        const string ServiceAccountPrefix = "system:serviceaccount:";
        if (name.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && name[ServiceAccountPrefix.Length..].Split(':') is [var ns, var sa])
        {
            Require(RequestAttributes.ForResource(requester, "impersonate", "", "serviceaccounts", "", ns, sa));
            groups.AddRange(["system:serviceaccounts", "system:serviceaccounts:" + ns]);
        }
        else
        {
            Require(RequestAttributes.ForResource(requester, "impersonate", "", "users", "", null, name));
        }

        foreach (var group in groups.Distinct().ToList())
        {
            Require(RequestAttributes.ForResource(requester, "impersonate", "", "groups", "", null, group));
        }

        foreach (var (key, values) in extra)
        {
            foreach (var value in values)
            {
                Require(RequestAttributes.ForResource(requester, "impersonate", "authentication.k8s.io", "userextras", key, null, value));
            }
        }

        if (uid.Length > 0)
        {
            Require(RequestAttributes.ForResource(requester, "impersonate", "authentication.k8s.io", "uids", "", null, uid));
        }

        if (name != UserInfo.AnonymousUser)
        {
            groups.Add(UserInfo.AuthenticatedGroup);
        }

        return new UserInfo(name, uid, [.. groups.Distinct()], extra);
    }
}
