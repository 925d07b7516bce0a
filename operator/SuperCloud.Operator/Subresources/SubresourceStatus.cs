using System.Text.Json.Nodes;

namespace SuperCloud.Operator.Subresources;

/// <summary>A failed subresource request, answered as kube answers: a <c>Status</c> with its code, reason and message.</summary>
/// <param name="Code">The HTTP status.</param>
/// <param name="Reason">Kube's reason (Forbidden, NotFound, Conflict, ...).</param>
/// <param name="Message">What went wrong, naming the object.</param>
public sealed record SubresourceStatus(int Code, string Reason, string Message)
{
    /// <summary>Writes the Status as the response.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = Code;
        response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
            ["code"] = Code,
        };
        var bytes = System.Text.Encoding.UTF8.GetBytes(body.ToJsonString());
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, cancellationToken);
    }
}
