namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// The resources the server serves right now: the built-in kinds plus every served version of every CRD.
/// Readers see an immutable snapshot; the store replaces it (under its write lock) when a CRD changes.
/// </summary>
internal sealed class ResourceRegistry
{
    private static readonly string[] BuiltInGroupOrder =
    [
        "", "apiextensions.k8s.io", "apps", "events.k8s.io", "coordination.k8s.io", "rbac.authorization.k8s.io",
        "batch", "networking.k8s.io", "policy", "autoscaling", "scheduling.k8s.io", "storage.k8s.io",
        "admissionregistration.k8s.io",
    ];

    private volatile IReadOnlyList<ApiResource> _all = BuiltInResources.All;

    /// <summary>Every served resource (all versions).</summary>
    public IReadOnlyList<ApiResource> All => _all;

    /// <summary>Replaces the custom resources (called with every served version of every live CRD).</summary>
    public void SetCustomResources(IEnumerable<ApiResource> custom) => _all = [.. BuiltInResources.All, .. custom];

    public ApiResource? Find(string group, string version, string plural) =>
        _all.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>Groups in discovery order: built-in groups first, then custom groups alphabetically.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups()
    {
        var all = _all;
        return all.Select(r => r.Group).Distinct()
            .OrderBy(g => Array.IndexOf(BuiltInGroupOrder, g) is var i && i >= 0 ? i : int.MaxValue)
            .ThenBy(g => g, StringComparer.Ordinal)
            .Select(g => (g, (IReadOnlyList<string>)KubeVersionOrder.Sort(all.Where(r => r.Group == g).Select(r => r.Version).Distinct()).ToList()))
            .ToList();
    }

    public IReadOnlyList<ApiResource> InGroupVersion(string group, string version) =>
        _all.Where(r => r.Group == group && r.Version == version).ToList();
}
