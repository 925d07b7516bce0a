namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// A parsed request path: a discovery document (<c>/api</c>, <c>/apis/{group}</c>, ...) or a resource path
/// (<c>/apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]</c>).
/// </summary>
/// <param name="Group">API group ("" for core), or null for the root paths.</param>
/// <param name="Version">API version, or null.</param>
/// <param name="Plural">Resource plural, or null for discovery documents.</param>
/// <param name="Namespace">Namespace segment, if any.</param>
/// <param name="Name">Object name, if any.</param>
/// <param name="Subresource">Subresource (e.g. <c>status</c>), if any.</param>
internal sealed record ApiPath(string? Group, string? Version, string? Plural, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Parses <paramref name="path"/>; null when it is not under /api or /apis.</summary>
    public static ApiPath? Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            return null;
        }

        string group;
        int rest;
        if (segments[0] == "api")
        {
            if (segments.Length == 1)
            {
                return new ApiPath("", null, null, null, null, null);
            }

            group = "";
            rest = 1;
        }
        else if (segments[0] == "apis")
        {
            if (segments.Length == 1)
            {
                return new ApiPath(null, null, null, null, null, null);
            }

            if (segments.Length == 2)
            {
                return new ApiPath(segments[1], null, null, null, null, null);
            }

            group = segments[1];
            rest = 2;
        }
        else
        {
            return null;
        }

        var version = segments[rest];
        var tail = segments[(rest + 1)..];
        if (tail.Length == 0)
        {
            return new ApiPath(group, version, null, null, null, null);
        }

        // namespaces/{ns}/{plural}/... is a namespaced resource, except the namespace's own subresources.
        if (tail[0] == "namespaces" && tail.Length >= 3 && !(group.Length == 0 && tail.Length == 3 && tail[2] is "status" or "finalize"))
        {
            return new ApiPath(group, version, tail[2], tail[1], tail.ElementAtOrDefault(3), tail.Length > 4 ? string.Join('/', tail[4..]) : null);
        }

        return new ApiPath(group, version, tail[0], null, tail.ElementAtOrDefault(1), tail.Length > 2 ? string.Join('/', tail[2..]) : null);
    }
}
