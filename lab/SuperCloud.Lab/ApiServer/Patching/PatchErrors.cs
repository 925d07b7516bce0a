using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>The <see cref="StatusException"/>s kube-apiserver answers failed patches with.</summary>
internal static class PatchErrors
{
    /// <summary>Key under <see cref="Exception.Data"/> that keeps the precise reason a patch did not apply.</summary>
    public const string DetailKey = "patchError";

    /// <summary>
    /// Key under <see cref="Exception.Data"/> set (to true) on errors whose kube Status carries no name/kind in
    /// <c>details</c>: kubectl then prints "The request is invalid: ..." rather than naming the object.
    /// </summary>
    public const string OmitDetailsKey = "omitStatusDetails";

    /// <summary>Marks <paramref name="ex"/> with <see cref="OmitDetailsKey"/>.</summary>
    public static StatusException WithoutDetails(StatusException ex)
    {
        ex.Data[OmitDetailsKey] = true;
        return ex;
    }

    /// <summary>
    /// A patch that is well-formed but cannot be applied (failed <c>test</c>, missing path): kube answers 422 Invalid with a
    /// generic message and empty details; the precise reason is kept in <see cref="Exception.Data"/> for logs.
    /// </summary>
    public static StatusException NotApplicable(string detail)
    {
        var ex = new StatusException(422, "Invalid", "the server rejected our request due to an error in our request");
        ex.Data[DetailKey] = detail;
        return WithoutDetails(ex);
    }

    /// <summary>400 BadRequest with the given message.</summary>
    public static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>An error kube-apiserver does not map to a status: 500 with an empty reason and the raw message.</summary>
    public static StatusException Unknown(string message) => WithoutDetails(new StatusException(500, "", message));

    /// <summary>Describes a JSON node for error messages.</summary>
    public static string Describe(JsonNode? node) => node is null ? "null" : node.ToJsonString();
}
