namespace SuperCloud.Lab.ApiServer;

/// <summary>Whether an Accept header asks for a meta.k8s.io Table instead of the object itself.</summary>
internal static class ContentNegotiation
{
    public static bool WantsTable(string? accept) =>
        Parts(accept).Any(p => p.Contains("as=Table") && p.Contains("g=meta.k8s.io") && (p.Contains("v=v1") || p.Contains("v=v1beta1")));

    private static IEnumerable<HashSet<string>> Parts(string? accept) =>
        (accept ?? "").Split(',').Select(part => part.Split(';').Select(x => x.Trim()).Where(x => x.Length > 0).ToHashSet(StringComparer.Ordinal));
}
