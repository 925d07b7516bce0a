using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Auth;

namespace SuperCloud.Lab.ApiServer;

/// <content>
/// The review APIs, answered and never stored: TokenReview (is this token valid, and whose), SelfSubjectReview (who am I:
/// <c>kubectl auth whoami</c>), SubjectAccessReview and SelfSubjectAccessReview (may this user do that:
/// <c>kubectl auth can-i</c>), all decided by the server's own authenticator and RBAC.
/// </content>
internal sealed partial class ApiHandler
{
    private async Task ReviewAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        if (request.Context.Request.Method != "POST" || request.Name is not null)
        {
            throw Errors.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await HttpIo.ReadObjectAsync(request.Context.Request, cancellationToken);
        var spec = body["spec"] as JsonObject ?? [];
        var requester = RequestSecurity.UserOf(request.Context);
        JsonObject status = request.Resource.Plural switch
        {
            "selfsubjectreviews" => new JsonObject { ["userInfo"] = UserJson(requester) },
            "tokenreviews" => TokenReview(spec),
            "selfsubjectaccessreviews" => AccessReview(requester, spec),
            _ => AccessReview(SubjectOf(spec), spec),
        };
        body["apiVersion"] = request.Resource.ApiVersion;
        body["kind"] = request.Resource.Kind;
        body["metadata"] = new JsonObject { ["creationTimestamp"] = Json.Timestamp(time.GetUtcNow()) };
        body["status"] = status;
        await HttpIo.WriteJsonAsync(request.Context, 201, body, cancellationToken);
    }

    private JsonObject TokenReview(JsonObject spec)
    {
        var token = spec["token"]?.GetValue<string>() ?? "";
        UserInfo? user = null;
        try
        {
            var probe = new DefaultHttpContext();
            probe.Request.Scheme = "https";
            probe.Request.Headers.Authorization = "Bearer " + token;
            user = token.Length == 0 ? null : security.Authenticate(probe);
        }
        catch (StatusException)
        {
            // Not a valid token: the review says so.
        }

        return user is null || user.Username == UserInfo.AnonymousUser
            ? new JsonObject { ["authenticated"] = false, ["user"] = new JsonObject(), ["error"] = "invalid bearer token" }
            : new JsonObject { ["authenticated"] = true, ["user"] = UserJson(user), ["audiences"] = new JsonArray(ServiceAccountTokens.Issuer) };
    }

    private JsonObject AccessReview(UserInfo user, JsonObject spec)
    {
        RequestAttributes attributes;
        if (spec["resourceAttributes"] is JsonObject r)
        {
            attributes = RequestAttributes.ForResource(user, Str(r, "verb"), Str(r, "group"), Str(r, "resource"), Str(r, "subresource"),
                r["namespace"]?.GetValue<string>(), r["name"]?.GetValue<string>());
        }
        else if (spec["nonResourceAttributes"] is JsonObject n)
        {
            attributes = RequestAttributes.ForPath(user, Str(n, "verb"), Str(n, "path"));
        }
        else
        {
            throw Errors.BadRequest("spec.resourceAttributes or spec.nonResourceAttributes is required");
        }

        return security.Allows(attributes)
            ? new JsonObject { ["allowed"] = true, ["reason"] = "RBAC: allowed" }
            : new JsonObject { ["allowed"] = false };
    }

    private static UserInfo SubjectOf(JsonObject spec)
    {
        var extra = (spec["extra"] as JsonObject ?? []).ToDictionary(
            e => e.Key, e => (IReadOnlyList<string>)[.. (e.Value as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? "")], StringComparer.Ordinal);
        var groups = (spec["groups"] as JsonArray ?? []).Select(g => g?.GetValue<string>() ?? "").ToList();
        return new UserInfo(spec["user"]?.GetValue<string>() ?? "", spec["uid"]?.GetValue<string>() ?? "", groups, extra);
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var json = new JsonObject
        {
            ["username"] = user.Username,
            ["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)g)]),
        };
        if (user.Uid.Length > 0)
        {
            json["uid"] = user.Uid;
        }

        if (user.Extra.Count > 0)
        {
            json["extra"] = new JsonObject(user.Extra.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)new JsonArray([.. e.Value.Select(v => (JsonNode)v)]))));
        }

        return json;
    }

    private static string Str(JsonObject obj, string key) => obj[key]?.GetValue<string>() ?? "";
}
