using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <content>create, update, delete and deletecollection.</content>
internal sealed partial class ApiHandler
{
    private async Task CreateAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var body = await HttpIo.ReadObjectAsync(request.Context.Request, cancellationToken);
        var outcome = operations.Create(request.Resource, request.Namespace, body, request.WriteOptions());
        HttpIo.AddWarnings(request.Context, outcome.Warnings);
        await HttpIo.WriteJsonAsync(request.Context, 201, AsServed(request.Resource, outcome.Object), cancellationToken);
    }

    private async Task UpdateAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var body = await HttpIo.ReadObjectAsync(request.Context.Request, cancellationToken);
        var outcome = operations.Update(request.Resource, request.Namespace, request.Name!, body, request.WriteOptions(), request.Subresource);
        HttpIo.AddWarnings(request.Context, outcome.Warnings);
        await HttpIo.WriteJsonAsync(request.Context, 200, AsServed(request.Resource, outcome.Object), cancellationToken);
    }

    private async Task DeleteAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var options = await ReadDeleteRequestAsync(request, cancellationToken);
        var outcome = operations.Delete(request.Resource, request.Namespace, request.Name!, options);
        await HttpIo.WriteJsonAsync(request.Context, 200, DeleteResponse(request.Resource, outcome), cancellationToken);
    }

    private async Task DeleteCollectionAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var options = await ReadDeleteRequestAsync(request, cancellationToken);
        var labels = request.Labels;
        var fields = request.Fields;
        var deleted = new JsonArray();
        lock (Store.Gate)
        {
            foreach (var obj in Store.PeekAll(request.Resource, request.Namespace).Where(o => labels.Matches(Json.Labels(o)) && fields.Matches(o)).ToList())
            {
                var outcome = operations.Delete(request.Resource, Json.Namespace(obj), Json.Name(obj), options);
                deleted.Add(AsServed(request.Resource, outcome.Object));
            }
        }

        var list = new JsonObject
        {
            ["kind"] = request.Resource.ListKind,
            ["apiVersion"] = request.Resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        };
        await HttpIo.WriteJsonAsync(request.Context, 200, list, cancellationToken);
    }

    /// <summary>Custom resources answer a completed delete with the object; built-ins with a Success Status.</summary>
    private static JsonObject DeleteResponse(ApiResource resource, WriteOutcome outcome) =>
        outcome.Removed && resource.Schema is null
            ? StatusBody.Success(Json.Name(outcome.Object), resource.Group, resource.Plural, Json.MetaStr(outcome.Object, "uid"))
            : AsServed(resource, outcome.Object);

    /// <summary>
    /// <c>orphanDependents</c> from the body (a JSON boolean or null) or the query (Go's strconv.ParseBool spellings);
    /// anything else is a 400 naming the field, as kube's decoder answers, never a 500.
    /// </summary>
    private static bool? ReadOrphanDependents(JsonNode? fromBody, string? fromQuery)
    {
        if (fromBody is not null)
        {
            return fromBody.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.True => true,
                System.Text.Json.JsonValueKind.False => false,
                var kind => throw Errors.BadRequest(
                    $"json: cannot unmarshal {GoJsonType(kind)} into Go struct field DeleteOptions.orphanDependents of type bool"),
            };
        }

        return fromQuery switch
        {
            null => null,
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => throw Errors.BadRequest($"invalid value for orphanDependents: \"{fromQuery}\": must be true or false"),
        };
    }

    private static string GoJsonType(System.Text.Json.JsonValueKind kind) => kind switch
    {
        System.Text.Json.JsonValueKind.String => "string",
        System.Text.Json.JsonValueKind.Number => "number",
        System.Text.Json.JsonValueKind.Array => "array",
        _ => "object",
    };

    /// <summary>DeleteOptions from the body and the query (<c>propagationPolicy</c>, <c>orphanDependents</c>, <c>preconditions</c>, <c>dryRun</c>).</summary>
    private static async Task<DeleteRequest> ReadDeleteRequestAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var body = await HttpIo.ReadNodeAsync(request.Context.Request, cancellationToken) as JsonObject ?? [];
        var policy = Json.Str(body, "propagationPolicy") ?? request.Query("propagationPolicy");
        var orphan = ReadOrphanDependents(body["orphanDependents"], request.Query("orphanDependents"));
        if (policy is not null && orphan is not null)
        {
            throw Errors.BadRequest("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"" + policy + "\": orphanDependents and deletionPropagation cannot be both set");
        }

        policy ??= orphan switch
        {
            true => "Orphan",
            false => "Background",
            null => null,
        };
        var dryRun = body["dryRun"] is JsonArray d ? d.Select(x => x?.GetValue<string>()).ToList() : request.Context.Request.Query["dryRun"].ToList();
        foreach (var value in dryRun)
        {
            if (value != "All")
            {
                throw Errors.BadRequest($"Invalid dry run value: \"{value}\"; supported values: \"All\"");
            }
        }

        return new DeleteRequest(
            policy,
            Json.Str(body["preconditions"], "uid"),
            Json.Str(body["preconditions"], "resourceVersion"),
            dryRun.Count > 0) { User = Auth.RequestSecurity.UserOf(request.Context) };
    }
}
