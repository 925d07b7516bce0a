namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// What kube-apiserver does with the unknown fields <see cref="CustomResourceSchema.Prune"/> found, per the request's
/// fieldValidation: Strict fails with 400, Warn returns one warning per field, Ignore drops them silently.
/// </summary>
public static class UnknownFields
{
    /// <summary>
    /// The Strict failure: <c>SuperPod in version "v1alpha1" cannot be handled as a SuperPod: strict decoding error:
    /// unknown field "spec.foo", unknown field "spec.bar"</c> (400 BadRequest).
    /// </summary>
    public static StatusException ToStrictException(string kind, string version, IReadOnlyList<string> prunedPaths)
    {
        ArgumentNullException.ThrowIfNull(prunedPaths);
        var fields = string.Join(", ", prunedPaths.Select(p => $"unknown field {GoText.Quote(p.TrimStart('.'))}"));
        return new StatusException(400, "BadRequest", $"{kind} in version {GoText.Quote(version)} cannot be handled as a {kind}: strict decoding error: {fields}");
    }

    /// <summary>The Warn texts, one per field, for the <c>Warning: 299 - "..."</c> response headers: <c>unknown field "spec.foo"</c>.</summary>
    public static IReadOnlyList<string> ToWarnings(IReadOnlyList<string> prunedPaths)
    {
        ArgumentNullException.ThrowIfNull(prunedPaths);
        return prunedPaths.Select(p => $"unknown field {GoText.Quote(p.TrimStart('.'))}").ToList();
    }
}
