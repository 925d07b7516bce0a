using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>
/// The v2 document in the protobuf form kubectl asks for (<c>application/com.github.proto-openapi.spec.v2@v1.0+protobuf</c>):
/// gnostic's <c>openapi.v2.Document</c> with the info and every definition — the schemas kubectl's client-side
/// validation and <c>explain</c> read, with their <c>x-kubernetes-*</c> extensions as YAML (JSON is YAML). Paths are
/// left out: kubectl builds its models from the definitions only.
/// </summary>
internal static class OpenApiV2Protobuf
{
    /// <summary>The media type clients ask for (its "@" is no token character, so no MIME parser accepts it back).</summary>
    public const string RequestedType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>The media type kube-openapi answers with, for either spelling asked for.</summary>
    public const string ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    public static byte[] Encode(JsonObject document)
    {
        var writer = new ProtoWriter();
        writer.String(1, Json.Str(document, "swagger"));
        if (document["info"] is JsonObject info)
        {
            writer.Message(2, w =>
            {
                w.String(1, Json.Str(info, "title"));
                w.String(2, Json.Str(info, "version"));
            });
        }

        if (document["definitions"] is JsonObject definitions)
        {
            writer.Message(9, w =>
            {
                foreach (var (name, schema) in definitions)
                {
                    w.Message(1, named =>
                    {
                        named.String(1, name);
                        named.Message(2, s => Schema(s, schema as JsonObject ?? []));
                    });
                }
            });
        }

        return writer.ToArray();
    }

    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        w.String(1, Json.Str(schema, "$ref"));
        w.String(2, Json.Str(schema, "format"));
        w.String(3, Json.Str(schema, "title"));
        w.String(4, Json.Str(schema, "description"));
        if (schema["default"] is { } defaultValue)
        {
            w.Message(5, a => Any(a, defaultValue));
        }

        w.Double(6, Number(schema["multipleOf"]));
        w.Double(7, Number(schema["maximum"]));
        w.Bool(8, Flag(schema["exclusiveMaximum"]));
        w.Double(9, Number(schema["minimum"]));
        w.Bool(10, Flag(schema["exclusiveMinimum"]));
        w.Int64(11, (long)Number(schema["maxLength"]));
        w.Int64(12, (long)Number(schema["minLength"]));
        w.String(13, Json.Str(schema, "pattern"));
        w.Int64(14, (long)Number(schema["maxItems"]));
        w.Int64(15, (long)Number(schema["minItems"]));
        w.Bool(16, Flag(schema["uniqueItems"]));
        w.Int64(17, (long)Number(schema["maxProperties"]));
        w.Int64(18, (long)Number(schema["minProperties"]));
        foreach (var required in schema["required"] as JsonArray ?? [])
        {
            w.String(19, required?.GetValue<string>());
        }

        foreach (var value in schema["enum"] as JsonArray ?? [])
        {
            w.Message(20, a => Any(a, value));
        }

        switch (schema["additionalProperties"])
        {
            case JsonObject additional:
                w.Message(21, item => item.Message(1, s => Schema(s, additional)));
                break;
            case JsonValue allowed when allowed.TryGetValue<bool>(out var flag):
                w.Message(21, item => item.Bool(2, flag));
                break;
        }

        switch (schema["type"])
        {
            case JsonValue type:
                w.Message(22, t => t.String(1, type.GetValue<string>()));
                break;
            case JsonArray types:
                w.Message(22, t =>
                {
                    foreach (var type in types)
                    {
                        t.String(1, type?.GetValue<string>());
                    }
                });
                break;
        }

        switch (schema["items"])
        {
            case JsonObject items:
                w.Message(23, i => i.Message(1, s => Schema(s, items)));
                break;
            case JsonArray tuple:
                w.Message(23, i =>
                {
                    foreach (var item in tuple.OfType<JsonObject>())
                    {
                        i.Message(1, s => Schema(s, item));
                    }
                });
                break;
        }

        foreach (var part in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            w.Message(24, s => Schema(s, part));
        }

        if (schema["properties"] is JsonObject properties)
        {
            w.Message(25, p =>
            {
                foreach (var (name, property) in properties)
                {
                    p.Message(1, named =>
                    {
                        named.String(1, name);
                        named.Message(2, s => Schema(s, property as JsonObject ?? []));
                    });
                }
            });
        }

        w.String(26, Json.Str(schema, "discriminator"));
        w.Bool(27, Flag(schema["readOnly"]));
        if (schema["example"] is { } example)
        {
            w.Message(30, a => Any(a, example));
        }

        foreach (var (name, value) in schema.Where(kv => kv.Key.StartsWith("x-", StringComparison.Ordinal)))
        {
            w.Message(31, named =>
            {
                named.String(1, name);
                named.Message(2, a => Any(a, value));
            });
        }
    }

    /// <summary>gnostic's Any: the value as YAML text (JSON is valid YAML).</summary>
    private static void Any(ProtoWriter w, JsonNode? value) => w.String(2, value?.ToJsonString(Json.Options) ?? "null");

    private static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d
        : node is JsonValue l && Json.Long(l) is { } n ? n : 0;

    private static bool Flag(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;
}
