using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Builds <c>meta/v1 Status</c> bodies as kube-apiserver returns them.</summary>
internal static class StatusBody
{
    /// <summary>
    /// The failure's Status; <c>details</c> carries the name, group and kind the exception names (empty ones omitted, as
    /// kube's <c>omitempty</c> does) and its causes. Errors marked with <see cref="Patching.PatchErrors.OmitDetailsKey"/> get causes only.
    /// </summary>
    public static JsonObject Failure(StatusException error)
    {
        var omit = error.Data[Patching.PatchErrors.OmitDetailsKey] is true;
        var name = omit || string.IsNullOrEmpty(error.Name) ? null : error.Name;
        var group = omit || string.IsNullOrEmpty(error.Group) ? null : error.Group;
        var kind = omit || string.IsNullOrEmpty(error.Kind) ? null : error.Kind;
        var body = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = error.Message,
            ["reason"] = error.Reason,
        };
        var details = new JsonObject();
        if (name is not null)
        {
            details["name"] = name;
        }

        if (group is not null)
        {
            details["group"] = group;
        }

        if (kind is not null)
        {
            details["kind"] = kind;
        }

        if (error.Causes.Count > 0)
        {
            details["causes"] = new JsonArray(error.Causes
                .Select(c => (JsonNode?)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field })
                .ToArray());
        }

        if (error.RetryAfterSeconds is { } retry)
        {
            details["retryAfterSeconds"] = retry;
        }

        if (details.Count > 0)
        {
            body["details"] = details;
        }

        body["code"] = error.Code;
        return body;
    }

    public static JsonObject Success(string name, string group, string kind, string? uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = kind, ["uid"] = uid },
    };
}
