using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Factory for the <see cref="StatusException"/>s kube-apiserver returns, with its exact messages.</summary>
internal static class Errors
{
    public static StatusException NotFound(ApiResource resource, string name) =>
        new(404, "NotFound", $"{resource.GroupResource} \"{name}\" not found") { Name = name, Group = resource.Group, Kind = resource.Plural };

    public static StatusException NamespaceNotFound(string ns) =>
        new(404, "NotFound", $"namespaces \"{ns}\" not found") { Name = ns, Group = "", Kind = "namespaces" };

    public static StatusException AlreadyExists(ApiResource resource, string name) =>
        new(409, "AlreadyExists", $"{resource.GroupResource} \"{name}\" already exists") { Name = name, Group = resource.Group, Kind = resource.Plural };

    public static StatusException Conflict(ApiResource resource, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {resource.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again")
        {
            Name = name, Group = resource.Group, Kind = resource.Plural,
        };

    public static StatusException ConflictPrecondition(ApiResource resource, string name, string message) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {resource.GroupResource} \"{name}\": {message}") { Name = name, Group = resource.Group, Kind = resource.Plural };

    public static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>422 for invalid PatchOptions, as kube reports them.</summary>
    public static StatusException Invalid422Options(string detail) =>
        new(422, "Invalid", $"PatchOptions.meta.k8s.io \"\" is invalid: {detail}") { Group = "meta.k8s.io", Kind = "PatchOptions" };

    public static StatusException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static StatusException UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    public static StatusException Forbidden(ApiResource resource, string name, string message) =>
        new(403, "Forbidden", $"{resource.GroupResource} \"{name}\" is forbidden: {message}") { Name = name, Group = resource.Group, Kind = resource.Plural };

    /// <summary>A 422 Invalid in kube's format: <c>Kind.group "name" is invalid: field: Invalid value: ...</c>.</summary>
    public static StatusException Invalid(ApiResource resource, string name, IReadOnlyList<FieldError> errors) =>
        ValidationErrors.ToStatusException(resource.Kind, resource.Group, name, errors);
}
