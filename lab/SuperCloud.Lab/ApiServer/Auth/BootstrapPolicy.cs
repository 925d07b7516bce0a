using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// The default roles kube-apiserver creates at start (its RBAC bootstrap policy), so that every authenticated user can
/// read discovery and /version, everyone can read health, and system:masters is cluster-admin. Created when missing;
/// never overwritten, as kube leaves a changed default with autoupdate off alone.
/// </summary>
internal static class BootstrapPolicy
{
    private static readonly string[] DiscoveryUrls =
        ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"];

    private static readonly string[] PublicInfoUrls = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

    /// <summary>The ClusterRoles and ClusterRoleBindings, in creation order (roles first).</summary>
    public static IEnumerable<(string Plural, JsonObject Object)> Objects()
    {
        yield return ("clusterroles", Role("cluster-admin",
            Rule(["*"], apiGroups: ["*"], resources: ["*"]),
            Rule(["*"], nonResourceUrls: ["*"])));
        yield return ("clusterroles", Role("system:discovery", Rule(["get"], nonResourceUrls: DiscoveryUrls)));
        yield return ("clusterroles", Role("system:public-info-viewer", Rule(["get"], nonResourceUrls: PublicInfoUrls)));
        yield return ("clusterroles", Role("system:basic-user",
            Rule(["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            Rule(["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"])));
        yield return ("clusterrolebindings", Binding("cluster-admin", "cluster-admin", UserInfo.MastersGroup));
        yield return ("clusterrolebindings", Binding("system:discovery", "system:discovery", UserInfo.AuthenticatedGroup));
        yield return ("clusterrolebindings", Binding("system:basic-user", "system:basic-user", UserInfo.AuthenticatedGroup));
        yield return ("clusterrolebindings", Binding("system:public-info-viewer", "system:public-info-viewer", UserInfo.AuthenticatedGroup, UserInfo.UnauthenticatedGroup));
    }

    private static JsonObject Metadata(string name) => new()
    {
        ["name"] = name,
        ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        ["annotations"] = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
    };

    private static JsonObject Role(string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRole",
        ["metadata"] = Metadata(name),
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject Binding(string name, string role, params string[] groups) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = Metadata(name),
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
        ["subjects"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
        {
            ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = g,
        })]),
    };

    private static JsonObject Rule(string[] verbs, string[]? apiGroups = null, string[]? resources = null, string[]? nonResourceUrls = null)
    {
        var rule = new JsonObject { ["verbs"] = Array(verbs) };
        if (apiGroups is not null)
        {
            rule["apiGroups"] = Array(apiGroups);
        }

        if (resources is not null)
        {
            rule["resources"] = Array(resources);
        }

        if (nonResourceUrls is not null)
        {
            rule["nonResourceURLs"] = Array(nonResourceUrls);
        }

        return rule;
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
