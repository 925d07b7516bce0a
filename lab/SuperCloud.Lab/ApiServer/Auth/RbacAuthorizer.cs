using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// kube's RBAC authorizer over the stored Roles, ClusterRoles and their bindings: a request is allowed when a rule of a
/// role bound to the user (by name, group or ServiceAccount) — cluster-wide, or in the request's namespace — grants its
/// verb on its resource (or non-resource URL). Members of system:masters are allowed everything. Deny by default.
/// </summary>
internal sealed class RbacAuthorizer(ObjectStore store)
{
    private static readonly ApiResource Roles = Rbac("roles");
    private static readonly ApiResource ClusterRoles = Rbac("clusterroles");
    private static readonly ApiResource RoleBindings = Rbac("rolebindings");
    private static readonly ApiResource ClusterRoleBindings = Rbac("clusterrolebindings");

    /// <summary>True when RBAC allows <paramref name="request"/>.</summary>
    public bool Allows(RequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.User.IsMaster)
        {
            return true;
        }

        foreach (var binding in store.PeekAll(ClusterRoleBindings))
        {
            if (Binds(binding, request.User) && RulesOf(binding, null).Any(rule => Matches(rule, request)))
            {
                return true;
            }
        }

        if (request.Namespace.Length == 0)
        {
            return false;
        }

        foreach (var binding in store.PeekAll(RoleBindings).Where(b => Json.Namespace(b) == request.Namespace))
        {
            if (Binds(binding, request.User) && RulesOf(binding, request.Namespace).Any(rule => Matches(rule, request)))
            {
                return true;
            }
        }

        return false;
    }

    private IEnumerable<JsonObject> RulesOf(JsonObject binding, string? ns)
    {
        var roleRef = binding["roleRef"] as JsonObject;
        var kind = roleRef?["kind"]?.GetValue<string>();
        var name = roleRef?["name"]?.GetValue<string>() ?? "";
        var role = kind switch
        {
            "ClusterRole" => store.Peek(ClusterRoles, null, name),
            "Role" when ns is not null => store.Peek(Roles, ns, name),
            _ => null,
        };
        return (role?["rules"] as JsonArray)?.OfType<JsonObject>() ?? [];
    }

    private static bool Binds(JsonObject binding, UserInfo user)
    {
        foreach (var subject in (binding["subjects"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var name = subject["name"]?.GetValue<string>() ?? "";
            var matched = subject["kind"]?.GetValue<string>() switch
            {
                "User" => user.Username == name,
                "Group" => user.Groups.Contains(name),
                "ServiceAccount" => user.Username == $"system:serviceaccount:{subject["namespace"]?.GetValue<string>() ?? Json.Namespace(binding)}:{name}",
                _ => false,
            };
            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether one PolicyRule grants the request (kube's RuleAllows).</summary>
    public static bool Matches(JsonObject rule, RequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(request);
        if (!Contains(rule["verbs"], request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return NonResourceMatches(rule["nonResourceURLs"], request.Path);
        }

        if (!Contains(rule["apiGroups"], request.ApiGroup) || !ResourceMatches(rule["resources"], request.Resource, request.Subresource))
        {
            return false;
        }

        var names = Strings(rule["resourceNames"]).ToList();
        return names.Count == 0 || (request.Name.Length > 0 && names.Contains(request.Name));
    }

    private static bool ResourceMatches(JsonNode? resources, string resource, string subresource)
    {
        var combined = subresource.Length == 0 ? resource : resource + "/" + subresource;
        foreach (var entry in Strings(resources))
        {
            if (entry == "*" || entry == combined || (subresource.Length > 0 && entry == "*/" + subresource))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NonResourceMatches(JsonNode? urls, string path)
    {
        foreach (var url in Strings(urls))
        {
            if (url == "*" || url == path || (url.EndsWith('*') && path.StartsWith(url[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(JsonNode? list, string value) => Strings(list).Any(v => v == "*" || v == value);

    private static IEnumerable<string> Strings(JsonNode? list) =>
        (list as JsonArray)?.Select(n => n?.GetValue<string>() ?? "") ?? [];

    private static ApiResource Rbac(string plural) =>
        BuiltInResources.All.Single(r => r.Group == "rbac.authorization.k8s.io" && r.Plural == plural);
}
