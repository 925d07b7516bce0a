using System.Globalization;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Auth;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <content>The TokenRequest API: <c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c>.</content>
internal sealed partial class ApiHandler
{
    /// <summary>The shortest token lifetime kube accepts.</summary>
    private const long MinTokenSeconds = 600;

    /// <summary>The longest token lifetime the lab issues (kube's is set by --service-account-max-token-expiration).</summary>
    private const long MaxTokenSeconds = 366L * 24 * 3600;

    private static readonly ApiResource ServiceAccountResource = BuiltInResources.All.Single(r => r.Plural == "serviceaccounts");

    private async Task TokenRequestAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        if (request.Context.Request.Method != "POST")
        {
            throw Errors.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await HttpIo.ReadObjectAsync(request.Context.Request, cancellationToken);
        var account = Store.Peek(ServiceAccountResource, request.Namespace, request.Name!) ?? throw Errors.NotFound(ServiceAccountResource, request.Name!);
        var spec = body["spec"] as JsonObject ?? [];
        var seconds = Json.Long(spec["expirationSeconds"]) ?? 3600;
        var errors = new List<FieldError>();
        if (seconds < MinTokenSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", JsonValue.Create(seconds), "may not specify a duration less than 10 minutes"));
        }
        else if (seconds > MaxTokenSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", JsonValue.Create(seconds), "may not specify a duration larger than 2^32 seconds"));
        }

        var audiences = (spec["audiences"] as JsonArray)?.Select(a => a?.GetValue<string>() ?? "").Where(a => a.Length > 0).ToList() ?? [];
        if (audiences.Count == 0)
        {
            audiences.Add(ServiceAccountTokens.Issuer);
        }

        string? podName = null, podUid = null, nodeName = null, nodeUid = null;
        if (spec["boundObjectRef"] is JsonObject bound)
        {
            var kind = bound["kind"]?.GetValue<string>() ?? "";
            var name = bound["name"]?.GetValue<string>() ?? "";
            var uid = bound["uid"]?.GetValue<string>();
            var (resource, ns) = kind switch
            {
                "Pod" => (Registry.Find("", "v1", "pods"), request.Namespace),
                "Node" => (Registry.Find("", "v1", "nodes"), null),
                _ => (null, null),
            };
            if (resource is null)
            {
                errors.Add(FieldError.NotSupported("spec.boundObjectRef.kind", JsonValue.Create(kind), ["Pod", "Node"]));
            }
            else
            {
                var target = Store.Peek(resource, ns, name) ?? throw Errors.NotFound(resource, name);
                var actualUid = Json.MetaStr(target, "uid");
                if (uid is { Length: > 0 } && uid != actualUid)
                {
                    throw Errors.ConflictPrecondition(resource, name, $"the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated");
                }

                if (kind == "Pod")
                {
                    (podName, podUid) = (name, actualUid);
                    nodeName = target["spec"]?["nodeName"]?.GetValue<string>();
                    if (nodeName is not null && Store.Peek(Registry.Find("", "v1", "nodes")!, null, nodeName) is { } node)
                    {
                        nodeUid = Json.MetaStr(node, "uid");
                    }
                }
                else
                {
                    (nodeName, nodeUid) = (name, actualUid);
                }
            }
        }

        if (errors.Count > 0)
        {
            throw ValidationErrors.ToStatusException("TokenRequest", "authentication.k8s.io", request.Name!, errors);
        }

        var expires = time.GetUtcNow().AddSeconds(seconds);
        var token = tokens.Issue(new ServiceAccountTokens.Claims(
            request.Namespace!, request.Name!, Json.MetaStr(account, "uid") ?? "", podName, podUid, nodeName, nodeUid, audiences, expires,
            Guid.NewGuid().ToString()));
        spec["expirationSeconds"] = seconds;
        spec["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]);
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = request.Name,
                ["namespace"] = request.Namespace,
                ["creationTimestamp"] = Json.Timestamp(time.GetUtcNow()),
            },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject
            {
                ["token"] = token,
                ["expirationTimestamp"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
        await HttpIo.WriteJsonAsync(request.Context, 201, response, cancellationToken);
    }
}
