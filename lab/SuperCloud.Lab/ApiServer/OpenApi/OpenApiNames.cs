using System.Globalization;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>How kube-apiserver names things in its OpenAPI documents: definitions, operation ids, tags, paths.</summary>
internal static class OpenApiNames
{
    private static readonly Dictionary<string, string> BuiltInPackages = new(StringComparer.Ordinal)
    {
        [""] = "io.k8s.api.core",
        ["apps"] = "io.k8s.api.apps",
        ["events.k8s.io"] = "io.k8s.api.events",
        ["coordination.k8s.io"] = "io.k8s.api.coordination",
        ["rbac.authorization.k8s.io"] = "io.k8s.api.rbac",
        ["apiextensions.k8s.io"] = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
        ["admissionregistration.k8s.io"] = "io.k8s.api.admissionregistration",
        ["batch"] = "io.k8s.api.batch",
        ["policy"] = "io.k8s.api.policy",
        ["networking.k8s.io"] = "io.k8s.api.networking",
        ["storage.k8s.io"] = "io.k8s.api.storage",
        ["scheduling.k8s.io"] = "io.k8s.api.scheduling",
        ["discovery.k8s.io"] = "io.k8s.api.discovery",
    };

    /// <summary>The definition name of a kind: <c>dev.supercloud.v1alpha1.SuperPod</c>, <c>io.k8s.api.core.v1.ConfigMap</c>.</summary>
    public static string Definition(string group, string version, string kind)
    {
        var package = BuiltInPackages.TryGetValue(group, out var p) ? p : string.Join('.', group.Split('.').Reverse());
        return $"{package}.{version}.{kind}";
    }

    /// <summary>The key of a group-version in /openapi/v3: <c>api/v1</c> or <c>apis/group/version</c>.</summary>
    public static string GroupVersionKey(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    /// <summary>The URL prefix of a group-version: <c>/api/v1</c> or <c>/apis/group/version</c>.</summary>
    public static string Prefix(string group, string version) => "/" + GroupVersionKey(group, version);

    /// <summary>The camel-cased group-version used in operation ids: <c>SupercloudDevV1alpha1</c>, <c>CoreV1</c>.</summary>
    public static string OperationGroupVersion(string group, string version) => GroupWord(group) + Upper(version);

    /// <summary>The tag kube puts on operations: <c>supercloudDev_v1alpha1</c>, <c>core_v1</c>.</summary>
    public static string Tag(string group, string version)
    {
        var word = GroupWord(group);
        return char.ToLowerInvariant(word[0]) + word[1..] + "_" + version;
    }

    private static string GroupWord(string group)
    {
        if (group.Length == 0)
        {
            return "Core";
        }

        var trimmed = group.EndsWith(".k8s.io", StringComparison.Ordinal) ? group[..^".k8s.io".Length] : group;
        return string.Concat(trimmed.Split('.', '-').Where(s => s.Length > 0).Select(Upper));
    }

    private static string Upper(string s) => s.Length == 0 ? s : char.ToUpper(s[0], CultureInfo.InvariantCulture) + s[1..];
}
