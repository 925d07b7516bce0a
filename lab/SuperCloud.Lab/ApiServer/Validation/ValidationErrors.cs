namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>Turns field errors into the 422 Invalid failure kube-apiserver returns (<c>errors.NewInvalid</c>).</summary>
public static class ValidationErrors
{
    /// <summary>
    /// Builds the 422 for an object of <paramref name="resource"/>: <c>Kind.group "name" is invalid: ...</c> with one cause per error; identical messages are reported
    /// once and brackets appear only when more than one error remains, as in kube's aggregate.
    /// </summary>
    public static StatusException ToStatusException(ApiResource resource, string name, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return ToStatusException(resource.Kind, resource.Group, name, errors);
    }

    /// <summary>As <see cref="ToStatusException(ApiResource, string, IReadOnlyList{FieldError})"/>, from kind and group.</summary>
    public static StatusException ToStatusException(string kind, string group, string name, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var messages = new List<string>();
        foreach (var error in errors)
        {
            if (seen.Add(error.Message))
            {
                messages.Add(error.Message);
            }
        }

        var aggregate = messages.Count == 1 ? messages[0] : "[" + string.Join(", ", messages) + "]";
        var causes = errors.Select(e => new StatusCause(e.Reason, e.Body, e.Field)).ToList();
        return new StatusException(422, "Invalid", $"{qualifiedKind} {GoText.Quote(name)} is invalid: {aggregate}", causes)
        {
            Name = name, Group = group, Kind = kind,
        };
    }
}
