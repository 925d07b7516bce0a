using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Builds <c>meta/v1 Status</c> bodies as kube-apiserver returns them.</summary>
internal static class StatusBody
{
    public static JsonObject Failure(StatusException error, string? name = null, string? group = null, string? kind = null)
    {
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
