using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>The discovery documents: legacy (APIVersions, APIGroupList, APIGroup, APIResourceList) and aggregated (apidiscovery.k8s.io/v2).</summary>
internal static class Discovery
{
    /// <summary>The content type of an aggregated discovery response; client-go checks it before decoding.</summary>
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>True when the Accept header asks for aggregated discovery v2.</summary>
    public static bool WantsAggregated(string? accept) =>
        accept is not null && accept.Split(',').Any(part =>
        {
            var parameters = part.Split(';').Select(p => p.Trim()).ToHashSet(StringComparer.Ordinal);
            return parameters.Contains("as=APIGroupDiscoveryList") && parameters.Contains("g=apidiscovery.k8s.io") && parameters.Contains("v=v2");
        });

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(ResourceRegistry registry) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(registry.Groups().Where(g => g.Group.Length > 0).Select(g => (JsonNode?)Group(g.Group, g.Versions)).ToArray()),
    };

    public static JsonObject? Group(ResourceRegistry registry, string group)
    {
        var found = registry.Groups().FirstOrDefault(g => g.Group == group && group.Length > 0);
        if (found.Group is null)
        {
            return null;
        }

        var body = Group(found.Group, found.Versions);
        body["kind"] = "APIGroup";
        body["apiVersion"] = "v1";
        return body;
    }

    private static JsonObject Group(string group, IReadOnlyList<string> versions)
    {
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version, Func<ApiResource, bool> hasScale)
    {
        var resources = registry.InGroupVersion(group, version);
        if (resources.Count == 0)
        {
            return null;
        }

        var list = new JsonArray();
        foreach (var r in resources.OrderBy(r => r.Plural, StringComparer.Ordinal))
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(r.Verbs),
            };
            if (r.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(r.ShortNames);
            }

            if (r.Categories.Count > 0)
            {
                entry["categories"] = Strings(r.Categories);
            }

            list.Add(entry);
            if (r.HasStatusSubresource)
            {
                list.Add(new JsonObject
                {
                    ["name"] = r.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = r.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }

            foreach (var (sub, kindGroup, kindVersion, kind, verbs) in ExtraSubresources(r))
            {
                list.Add(new JsonObject
                {
                    ["name"] = r.Plural + "/" + sub,
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["group"] = kindGroup,
                    ["version"] = kindVersion,
                    ["kind"] = kind,
                    ["verbs"] = Strings(verbs),
                });
            }

            if (hasScale(r))
            {
                list.Add(new JsonObject
                {
                    ["name"] = r.Plural + "/scale",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }

    /// <summary>APIGroupDiscoveryList for <c>/api</c> (core only) or <c>/apis</c> (every named group).</summary>
    public static JsonObject Aggregated(ResourceRegistry registry, bool core, Func<ApiResource, bool> hasScale)
    {
        var items = new JsonArray();
        foreach (var (group, versions) in registry.Groups().Where(g => (g.Group.Length == 0) == core))
        {
            var versionList = new JsonArray();
            foreach (var version in versions)
            {
                var resources = new JsonArray();
                foreach (var r in registry.InGroupVersion(group, version).OrderBy(r => r.Plural, StringComparer.Ordinal))
                {
                    var entry = new JsonObject
                    {
                        ["resource"] = r.Plural,
                        ["responseKind"] = new JsonObject { ["group"] = "", ["version"] = "", ["kind"] = r.Kind },
                        ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = r.Singular,
                        ["verbs"] = Strings(r.Verbs),
                    };
                    if (r.ShortNames.Count > 0)
                    {
                        entry["shortNames"] = Strings(r.ShortNames);
                    }

                    if (r.Categories.Count > 0)
                    {
                        entry["categories"] = Strings(r.Categories);
                    }

                    var subresources = new JsonArray();
                    if (r.HasStatusSubresource)
                    {
                        subresources.Add(new JsonObject
                        {
                            ["subresource"] = "status",
                            ["responseKind"] = new JsonObject { ["group"] = "", ["version"] = "", ["kind"] = r.Kind },
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    }

                    foreach (var (sub, kindGroup, kindVersion, kind, verbs) in ExtraSubresources(r))
                    {
                        subresources.Add(new JsonObject
                        {
                            ["subresource"] = sub,
                            ["responseKind"] = new JsonObject { ["group"] = kindGroup, ["version"] = kindVersion, ["kind"] = kind },
                            ["verbs"] = Strings(verbs),
                        });
                    }

                    if (hasScale(r))
                    {
                        subresources.Add(new JsonObject
                        {
                            ["subresource"] = "scale",
                            ["responseKind"] = new JsonObject { ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale" },
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    }

                    if (subresources.Count > 0)
                    {
                        entry["subresources"] = subresources;
                    }

                    resources.Add(entry);
                }

                versionList.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }

            items.Add(new JsonObject
            {
                ["metadata"] = group.Length == 0 ? new JsonObject { ["creationTimestamp"] = null } : new JsonObject { ["name"] = group, ["creationTimestamp"] = null },
                ["versions"] = versionList,
            });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "35",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "35",
        ["minCompatibilityMajor"] = "1",
        ["minCompatibilityMinor"] = "34",
        ["gitVersion"] = "v1.35.0-supercloud-lab",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.25.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    // Subresources beyond status and scale that clients look up: kubectl create token, kubectl certificate approve.
    private static IEnumerable<(string Subresource, string Group, string Version, string Kind, string[] Verbs)> ExtraSubresources(ApiResource resource) =>
        (resource.Group, resource.Plural) switch
        {
            ("", "serviceaccounts") => [("token", "authentication.k8s.io", "v1", "TokenRequest", ["create"])],
            ("certificates.k8s.io", "certificatesigningrequests") => [("approval", "certificates.k8s.io", "v1", "CertificateSigningRequest", ["get", "patch", "update"])],
            _ => [],
        };
}
