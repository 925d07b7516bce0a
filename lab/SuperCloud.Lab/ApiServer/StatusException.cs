namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// A request failure that the API server returns as a <c>Status</c> object with the given HTTP code and reason
/// (for example 404 NotFound, 409 Conflict, 422 Invalid, 400 BadRequest).
/// </summary>
public sealed class StatusException : Exception
{
    /// <summary>Creates a failure with an HTTP code, a Kubernetes reason and a message.</summary>
    public StatusException(int code, string reason, string message, IReadOnlyList<StatusCause>? causes = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Causes = causes ?? [];
    }

    /// <summary>HTTP status code, also <c>Status.code</c>.</summary>
    public int Code { get; }

    /// <summary>Kubernetes <c>Status.reason</c>, e.g. <c>Conflict</c>.</summary>
    public string Reason { get; }

    /// <summary>Entries of <c>Status.details.causes</c>.</summary>
    public IReadOnlyList<StatusCause> Causes { get; }

    /// <summary><c>Status.details.name</c>: the object the failure is about; omitted when null or empty.</summary>
    public string? Name { get; init; }

    /// <summary><c>Status.details.group</c>: the API group of <see cref="Kind"/>; omitted when null or empty (core).</summary>
    public string? Group { get; init; }

    /// <summary>
    /// <c>Status.details.kind</c>: the resource plural for NotFound, AlreadyExists, Conflict and Forbidden, the Kind
    /// for Invalid (as kube's <c>NewNotFound(GroupResource)</c> and <c>NewInvalid(GroupKind)</c> set it); omitted when null or empty.
    /// </summary>
    public string? Kind { get; init; }

    /// <summary><c>Status.details.retryAfterSeconds</c> (and the <c>Retry-After</c> header); omitted when null.</summary>
    public int? RetryAfterSeconds { get; init; }
}
