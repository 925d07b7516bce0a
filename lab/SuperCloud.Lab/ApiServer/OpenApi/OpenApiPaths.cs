using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>The path items kube-apiserver publishes for one resource, in OpenAPI v3 form, with kube's parameters.</summary>
internal static class OpenApiPaths
{
    private const string DryRun = "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed";
    private const string FieldManager = "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.";
    private const string FieldValidation = "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.";
    private const string Force = "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.";

    /// <summary>Every path item for the resource: collection, item, status, and the all-namespaces list for namespaced kinds.</summary>
    public static IEnumerable<(string Path, JsonObject Item)> For(ApiResource r)
    {
        var prefix = OpenApiNames.Prefix(r.Group, r.Version);
        var scope = r.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{r.Plural}" : $"{prefix}/{r.Plural}";
        var namespacedWord = r.Namespaced ? "Namespaced" : "";
        var gv = OpenApiNames.OperationGroupVersion(r.Group, r.Version);
        var kindRef = MetaSchemas.Ref(OpenApiNames.Definition(r.Group, r.Version, r.Kind));
        var listRef = MetaSchemas.Ref(OpenApiNames.Definition(r.Group, r.Version, r.ListKind));
        bool Has(string verb) => r.Verbs.Contains(verb, StringComparer.Ordinal);

        var collection = new JsonObject();
        if (Has("list"))
        {
            collection["get"] = Operation(r, "list", $"list or watch objects of kind {r.Kind}", $"list{gv}{namespacedWord}{r.Kind}",
                ListParameters(), null, Responses(listRef, ("200", "OK")), watchable: true);
        }

        if (Has("create"))
        {
            collection["post"] = Operation(r, "post", $"create a {r.Kind}", $"create{gv}{namespacedWord}{r.Kind}",
                [Query("dryRun", DryRun), Query("fieldManager", FieldManager), Query("fieldValidation", FieldValidation)],
                Body(kindRef, "*/*"), Responses(kindRef, ("200", "OK"), ("201", "Created"), ("202", "Accepted")));
        }

        if (Has("deletecollection"))
        {
            collection["delete"] = Operation(r, "deletecollection", $"delete collection of {r.Kind}", $"deleteCollection{gv}{namespacedWord}{r.Kind}",
                [.. DeleteParameters(), .. ListParameters().Where(p => p["name"]!.GetValue<string>() is not "watch" and not "allowWatchBookmarks")],
                Body(MetaSchemas.Ref(MetaSchemas.DeleteOptions), "*/*"), Responses(MetaSchemas.Ref(MetaSchemas.Status), ("200", "OK")));
        }

        if (collection.Count > 0)
        {
            collection["parameters"] = PathParameters(r.Namespaced, withName: false);
            yield return (scope, collection);
        }

        var item = new JsonObject();
        if (Has("get"))
        {
            item["get"] = Operation(r, "get", $"read the specified {r.Kind}", $"read{gv}{namespacedWord}{r.Kind}", [], null, Responses(kindRef, ("200", "OK")));
        }

        if (Has("update"))
        {
            item["put"] = Operation(r, "put", $"replace the specified {r.Kind}", $"replace{gv}{namespacedWord}{r.Kind}",
                [Query("dryRun", DryRun), Query("fieldManager", FieldManager), Query("fieldValidation", FieldValidation)],
                Body(kindRef, "*/*"), Responses(kindRef, ("200", "OK"), ("201", "Created")));
        }

        if (Has("delete"))
        {
            item["delete"] = Operation(r, "delete", $"delete a {r.Kind}", $"delete{gv}{namespacedWord}{r.Kind}", DeleteParameters(),
                Body(MetaSchemas.Ref(MetaSchemas.DeleteOptions), "*/*"), Responses(kindRef, ("200", "OK"), ("202", "Accepted")));
        }

        if (Has("patch"))
        {
            item["patch"] = PatchOperation(r, $"partially update the specified {r.Kind}", $"patch{gv}{namespacedWord}{r.Kind}", kindRef);
        }

        if (item.Count > 0)
        {
            item["parameters"] = PathParameters(r.Namespaced, withName: true);
            yield return ($"{scope}/{{name}}", item);
        }

        if (r.HasStatusSubresource)
        {
            var status = new JsonObject
            {
                ["get"] = Operation(r, "get", $"read status of the specified {r.Kind}", $"read{gv}{namespacedWord}{r.Kind}Status", [], null, Responses(kindRef, ("200", "OK"))),
                ["put"] = Operation(r, "put", $"replace status of the specified {r.Kind}", $"replace{gv}{namespacedWord}{r.Kind}Status",
                    [Query("dryRun", DryRun), Query("fieldManager", FieldManager), Query("fieldValidation", FieldValidation)],
                    Body(kindRef, "*/*"), Responses(kindRef, ("200", "OK"), ("201", "Created"))),
                ["patch"] = PatchOperation(r, $"partially update status of the specified {r.Kind}", $"patch{gv}{namespacedWord}{r.Kind}Status", kindRef),
                ["parameters"] = PathParameters(r.Namespaced, withName: true),
            };
            yield return ($"{scope}/{{name}}/status", status);
        }

        if (r.Namespaced && Has("list"))
        {
            yield return ($"{prefix}/{r.Plural}", new JsonObject
            {
                ["get"] = Operation(r, "list", $"list or watch objects of kind {r.Kind}", $"list{gv}{r.Kind}ForAllNamespaces",
                    ListParameters(), null, Responses(listRef, ("200", "OK")), watchable: true),
            });
        }
    }

    /// <summary>
    /// PATCH accepts JSON patch, merge patch and apply patch. Strategic merge patch is deliberately not advertised:
    /// kubectl would then compute it from these permissive schemas; without it kubectl falls back to its compiled-in
    /// types for built-ins (and merge patch for CRDs, as with a real server).
    /// </summary>
    private static JsonObject PatchOperation(ApiResource r, string description, string operationId, JsonObject kindRef)
    {
        var patchRef = MetaSchemas.Ref(MetaSchemas.Patch);
        var content = new JsonObject
        {
            ["application/apply-patch+yaml"] = new JsonObject { ["schema"] = patchRef.DeepClone() },
            ["application/json-patch+json"] = new JsonObject { ["schema"] = patchRef.DeepClone() },
            ["application/merge-patch+json"] = new JsonObject { ["schema"] = patchRef.DeepClone() },
        };
        return Operation(r, "patch", description, operationId,
            [Query("dryRun", DryRun), Query("fieldManager", FieldManager), Query("fieldValidation", FieldValidation), Query("force", Force, "boolean")],
            new JsonObject { ["content"] = content, ["required"] = true }, Responses(kindRef, ("200", "OK"), ("201", "Created")));
    }

    private static JsonObject Operation(ApiResource r, string action, string description, string operationId, IEnumerable<JsonObject> parameters,
        JsonObject? requestBody, JsonObject responses, bool watchable = false)
    {
        var op = new JsonObject
        {
            ["tags"] = new JsonArray(OpenApiNames.Tag(r.Group, r.Version)),
            ["description"] = description,
            ["operationId"] = operationId,
        };
        var list = parameters.ToList();
        if (list.Count > 0)
        {
            op["parameters"] = new JsonArray(list.Select(p => (JsonNode)p).ToArray());
        }

        if (requestBody is not null)
        {
            op["requestBody"] = requestBody;
        }

        if (watchable)
        {
            foreach (var (_, response) in responses)
            {
                if (response?["content"] is JsonObject content && content["application/json"]?["schema"] is JsonNode schema)
                {
                    content["application/json;stream=watch"] = new JsonObject { ["schema"] = schema.DeepClone() };
                }
            }
        }

        op["responses"] = responses;
        op["x-kubernetes-action"] = action;
        op["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = r.Group, ["kind"] = r.Kind, ["version"] = r.Version };
        return op;
    }

    private static JsonObject Body(JsonObject schema, string mediaType) => new()
    {
        ["content"] = new JsonObject { [mediaType] = new JsonObject { ["schema"] = schema.DeepClone() } },
        ["required"] = true,
    };

    private static JsonObject Responses(JsonObject schema, params (string Code, string Description)[] codes)
    {
        var responses = new JsonObject();
        foreach (var (code, description) in codes)
        {
            responses[code] = new JsonObject
            {
                ["description"] = description,
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject { ["schema"] = schema.DeepClone() },
                    ["application/yaml"] = new JsonObject { ["schema"] = schema.DeepClone() },
                },
            };
        }

        responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
        return responses;
    }

    private static List<JsonObject> ListParameters() =>
    [
        Query("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server's discretion.", "boolean"),
        Query("continue", "The continue option should be set when retrieving more results from the server."),
        Query("fieldSelector", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        Query("labelSelector", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        Query("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
        Query("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details."),
        Query("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
        Query("sendInitialEvents", "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.", "boolean"),
        Query("timeoutSeconds", "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.", "integer"),
        Query("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.", "boolean"),
    ];

    private static List<JsonObject> DeleteParameters() =>
    [
        Query("dryRun", DryRun),
        Query("gracePeriodSeconds", "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.", "integer"),
        Query("ignoreStoreReadErrorWithClusterBreakingPotential", "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.", "boolean"),
        Query("orphanDependents", "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.", "boolean"),
        Query("propagationPolicy", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
    ];

    private static JsonArray PathParameters(bool namespaced, bool withName)
    {
        var list = new JsonArray();
        if (withName)
        {
            list.Add(PathParameter("name", "name of the resource"));
        }

        if (namespaced)
        {
            list.Add(PathParameter("namespace", "object name and auth scope, such as for teams and projects"));
        }

        list.Add(Query("pretty", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."));
        return list;
    }

    private static JsonObject PathParameter(string name, string description) => new()
    {
        ["name"] = name,
        ["in"] = "path",
        ["description"] = description,
        ["required"] = true,
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject Query(string name, string description, string type = "string") => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["description"] = description,
        ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };
}
