using System.Net;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>A non-success answer of the Kubernetes API, with the HTTP status and the server's <c>Status</c> object.</summary>
public sealed class KubernetesApiException : Exception
{
    /// <summary>Creates the exception for a failed request.</summary>
    public KubernetesApiException(HttpStatusCode statusCode, V1Status? status, string operation)
        : base($"{operation} failed: {(int)statusCode} {status?.Reason ?? statusCode.ToString()}: {status?.Message}")
    {
        StatusCode = statusCode;
        Status = status;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public KubernetesApiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no details.</summary>
    public KubernetesApiException()
    {
    }

    /// <summary>The HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's Status object, when the body carried one.</summary>
    public V1Status? Status { get; }

    /// <summary>True for 409 Conflict (stale resourceVersion or already exists).</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    /// <summary>True for 404 Not Found.</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>True for 410 Gone (the requested resourceVersion was compacted).</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone;
}
