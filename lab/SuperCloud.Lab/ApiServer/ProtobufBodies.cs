using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies client-go's typed clients send for built-in kinds
/// (kubectl create namespace/configmap/secret/serviceaccount, helm's release Secrets, DeleteOptions)
/// into JSON. Only the kinds listed in <see cref="Messages"/> are known; others get 415.
/// </summary>
internal static class ProtobufBodies
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    private enum T
    {
        String,
        Bytes,
        Int,
        Bool,
        Message,
        StringMap,
        BytesMap,
        Time,

        /// <summary>A message whose field 1 holds JSON (metav1.FieldsV1).</summary>
        RawJson,
    }

    private sealed record Field(string Name, T Type, bool Repeated = false, string? Message = null);

    private static readonly Dictionary<string, Dictionary<int, Field>> Messages = new(StringComparer.Ordinal)
    {
        ["ObjectMeta"] = new()
        {
            [1] = new("name", T.String), [2] = new("generateName", T.String), [3] = new("namespace", T.String),
            [5] = new("uid", T.String), [6] = new("resourceVersion", T.String), [7] = new("generation", T.Int),
            [8] = new("creationTimestamp", T.Time), [11] = new("labels", T.StringMap), [12] = new("annotations", T.StringMap),
            [13] = new("ownerReferences", T.Message, true, "OwnerReference"), [14] = new("finalizers", T.String, true),
            [17] = new("managedFields", T.Message, true, "ManagedFieldsEntry"),
        },
        ["ManagedFieldsEntry"] = new()
        {
            [1] = new("manager", T.String), [2] = new("operation", T.String), [3] = new("apiVersion", T.String), [4] = new("time", T.Time),
            [6] = new("fieldsType", T.String), [7] = new("fieldsV1", T.RawJson), [8] = new("subresource", T.String),
        },
        ["OwnerReference"] = new()
        {
            [1] = new("kind", T.String), [3] = new("name", T.String), [4] = new("uid", T.String), [5] = new("apiVersion", T.String),
            [6] = new("controller", T.Bool), [7] = new("blockOwnerDeletion", T.Bool),
        },
        ["Namespace"] = new() { [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("spec", T.Message, Message: "NamespaceSpec") },
        ["NamespaceSpec"] = new() { [1] = new("finalizers", T.String, true) },
        ["ConfigMap"] = new()
        {
            [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("data", T.StringMap), [3] = new("binaryData", T.BytesMap),
            [4] = new("immutable", T.Bool),
        },
        ["Secret"] = new()
        {
            [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("data", T.BytesMap), [3] = new("type", T.String),
            [4] = new("stringData", T.StringMap), [5] = new("immutable", T.Bool),
        },
        ["ServiceAccount"] = new()
        {
            [1] = new("metadata", T.Message, Message: "ObjectMeta"), [4] = new("automountServiceAccountToken", T.Bool),
        },
        ["DeleteOptions"] = new()
        {
            [1] = new("gracePeriodSeconds", T.Int), [2] = new("preconditions", T.Message, Message: "Preconditions"),
            [3] = new("orphanDependents", T.Bool), [4] = new("propagationPolicy", T.String), [5] = new("dryRun", T.String, true),
        },
        ["Preconditions"] = new() { [1] = new("uid", T.String), [2] = new("resourceVersion", T.String) },

        // The authentication and authorization requests kubectl sends (create token, auth whoami, auth can-i).
        ["TokenRequest"] = new() { [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("spec", T.Message, Message: "TokenRequestSpec") },
        ["TokenRequestSpec"] = new()
        {
            [1] = new("audiences", T.String, true), [3] = new("boundObjectRef", T.Message, Message: "BoundObjectReference"), [4] = new("expirationSeconds", T.Int),
        },
        ["BoundObjectReference"] = new() { [1] = new("kind", T.String), [2] = new("apiVersion", T.String), [3] = new("name", T.String), [4] = new("uid", T.String) },
        ["TokenReview"] = new() { [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("spec", T.Message, Message: "TokenReviewSpec") },
        ["TokenReviewSpec"] = new() { [1] = new("token", T.String), [2] = new("audiences", T.String, true) },
        ["SelfSubjectReview"] = new() { [1] = new("metadata", T.Message, Message: "ObjectMeta") },
        ["SelfSubjectAccessReview"] = new() { [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("spec", T.Message, Message: "SelfSubjectAccessReviewSpec") },
        ["SelfSubjectAccessReviewSpec"] = new()
        {
            [1] = new("resourceAttributes", T.Message, Message: "ResourceAttributes"), [2] = new("nonResourceAttributes", T.Message, Message: "NonResourceAttributes"),
        },
        ["SubjectAccessReview"] = new() { [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("spec", T.Message, Message: "SubjectAccessReviewSpec") },
        ["SubjectAccessReviewSpec"] = new()
        {
            [1] = new("resourceAttributes", T.Message, Message: "ResourceAttributes"), [2] = new("nonResourceAttributes", T.Message, Message: "NonResourceAttributes"),
            [3] = new("user", T.String), [4] = new("groups", T.String, true), [6] = new("uid", T.String),
        },
        ["ResourceAttributes"] = new()
        {
            [1] = new("namespace", T.String), [2] = new("verb", T.String), [3] = new("group", T.String), [4] = new("version", T.String),
            [5] = new("resource", T.String), [6] = new("subresource", T.String), [7] = new("name", T.String),
        },
        ["NonResourceAttributes"] = new() { [1] = new("path", T.String), [2] = new("verb", T.String) },

        // kubectl certificate approve/deny sends the whole CertificateSigningRequest.
        ["CertificateSigningRequest"] = new()
        {
            [1] = new("metadata", T.Message, Message: "ObjectMeta"), [2] = new("spec", T.Message, Message: "CertificateSigningRequestSpec"),
            [3] = new("status", T.Message, Message: "CertificateSigningRequestStatus"),
        },
        ["CertificateSigningRequestSpec"] = new()
        {
            [1] = new("request", T.Bytes), [2] = new("username", T.String), [3] = new("uid", T.String), [4] = new("groups", T.String, true),
            [5] = new("usages", T.String, true), [7] = new("signerName", T.String), [8] = new("expirationSeconds", T.Int),
        },
        ["CertificateSigningRequestStatus"] = new()
        {
            [1] = new("conditions", T.Message, true, "CertificateSigningRequestCondition"), [2] = new("certificate", T.Bytes),
        },
        ["CertificateSigningRequestCondition"] = new()
        {
            [1] = new("type", T.String), [2] = new("reason", T.String), [3] = new("message", T.String), [4] = new("lastUpdateTime", T.Time),
            [5] = new("lastTransitionTime", T.Time), [6] = new("status", T.String),
        },
    };

    public static bool IsProtobuf(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim() == "application/vnd.kubernetes.protobuf";

    /// <summary>Decodes a <c>k8s\0</c>-prefixed runtime.Unknown envelope into a JSON object.</summary>
    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Errors.BadRequest("provided protobuf is not a Kubernetes object: missing the k8s magic prefix");
        }

        var envelope = new Reader(body, Magic.Length, body.Length);
        string apiVersion = "", kind = "";
        byte[]? raw = null;
        while (envelope.More)
        {
            var (number, wire) = envelope.Tag();
            if (number == 1 && wire == 2)
            {
                var typeMeta = envelope.Sub();
                while (typeMeta.More)
                {
                    var (n, w) = typeMeta.Tag();
                    if (n == 1 && w == 2)
                    {
                        apiVersion = typeMeta.String();
                    }
                    else if (n == 2 && w == 2)
                    {
                        kind = typeMeta.String();
                    }
                    else
                    {
                        typeMeta.Skip(w);
                    }
                }
            }
            else if (number == 2 && wire == 2)
            {
                raw = envelope.Bytes();
            }
            else
            {
                envelope.Skip(wire);
            }
        }

        if (!Messages.ContainsKey(kind) || raw is null)
        {
            throw Errors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf is decoded only for Namespace, ConfigMap, Secret, ServiceAccount, DeleteOptions, CertificateSigningRequest and the token and review requests, not {kind})");
        }

        var obj = Message(new Reader(raw, 0, raw.Length), kind);
        var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        foreach (var (k, v) in obj.ToList())
        {
            obj.Remove(k);
            result[k] = v;
        }

        return result;
    }

    private static JsonObject Message(Reader reader, string type)
    {
        var fields = Messages[type];
        var obj = new JsonObject();
        while (reader.More)
        {
            var (number, wire) = reader.Tag();
            if (!fields.TryGetValue(number, out var field))
            {
                // Zero values of fields this decoder does not model are harmless; anything else would be lost, so refuse.
                if (!reader.SkipIfEmpty(wire))
                {
                    throw Errors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the protobuf {type} field {number} is not supported by the lab server)");
                }

                continue;
            }

            JsonNode? value;
            switch (field.Type)
            {
                case T.String:
                    value = reader.String();
                    break;
                case T.Bytes:
                    value = Convert.ToBase64String(reader.Bytes());
                    break;
                case T.Int:
                    value = (long)reader.Varint();
                    break;
                case T.Bool:
                    value = reader.Varint() != 0;
                    break;
                case T.Message:
                    value = Message(reader.Sub(), field.Message!);
                    break;
                case T.RawJson:
                    var raw = reader.Sub();
                    value = null;
                    while (raw.More)
                    {
                        var (n, w) = raw.Tag();
                        if (n == 1)
                        {
                            value = Json.Parse(raw.Bytes());
                        }
                        else
                        {
                            raw.Skip(w);
                        }
                    }

                    break;
                case T.Time:
                    var time = reader.Sub();
                    long seconds = 0;
                    while (time.More)
                    {
                        var (n, w) = time.Tag();
                        if (n == 1)
                        {
                            seconds = (long)time.Varint();
                        }
                        else
                        {
                            time.Skip(w);
                        }
                    }

                    value = seconds == 0 ? null : Json.Timestamp(DateTimeOffset.FromUnixTimeSeconds(seconds));
                    break;
                default:
                    var entry = reader.Sub();
                    string key = "";
                    JsonNode? mapValue = field.Type == T.BytesMap ? "" : "";
                    while (entry.More)
                    {
                        var (n, w) = entry.Tag();
                        if (n == 1)
                        {
                            key = entry.String();
                        }
                        else if (n == 2)
                        {
                            mapValue = field.Type == T.BytesMap ? Convert.ToBase64String(entry.Bytes()) : entry.String();
                        }
                        else
                        {
                            entry.Skip(w);
                        }
                    }

                    var map = obj[field.Name] as JsonObject ?? [];
                    map[key] = mapValue;
                    obj[field.Name] = map;
                    continue;
            }

            if (!field.Repeated && value is JsonValue scalar && (scalar.ToJsonString() is "\"\"" or "0"))
            {
                // Go's protobuf leaves unset optional fields at their zero value, which JSON omits.
                continue;
            }

            if (field.Repeated)
            {
                var array = obj[field.Name] as JsonArray ?? [];
                array.Add(value);
                obj[field.Name] = array;
            }
            else
            {
                obj[field.Name] = value;
            }
        }

        return obj;
    }

    private sealed class Reader(byte[] data, int position, int end)
    {
        private int _position = position;

        public bool More => _position < end;

        public (int Number, int Wire) Tag()
        {
            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= end)
                {
                    throw Errors.BadRequest("truncated protobuf body");
                }

                var b = data[_position++];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw Errors.BadRequest("malformed protobuf varint");
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || _position + length > end)
            {
                throw Errors.BadRequest("truncated protobuf body");
            }

            var bytes = data.AsSpan(_position, length).ToArray();
            _position += length;
            return bytes;
        }

        public string String() => Encoding.UTF8.GetString(Bytes());

        public Reader Sub()
        {
            var length = (int)Varint();
            if (length < 0 || _position + length > end)
            {
                throw Errors.BadRequest("truncated protobuf body");
            }

            var sub = new Reader(data, _position, _position + length);
            _position += length;
            return sub;
        }

        /// <summary>Skips a field and returns true when it held a zero value (0, empty string or empty message).</summary>
        public bool SkipIfEmpty(int wire)
        {
            switch (wire)
            {
                case 0:
                    return Varint() == 0;
                case 2:
                    var nested = Sub();
                    return nested.IsZeroMessage();
                default:
                    Skip(wire);
                    return false;
            }
        }

        /// <summary>True when the rest of this reader is a message whose fields all hold zero values (e.g. <c>status: {phase: ""}</c>).</summary>
        private bool IsZeroMessage()
        {
            try
            {
                while (More)
                {
                    var (number, wire) = Tag();
                    if (number == 0 || !SkipIfEmpty(wire))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (StatusException)
            {
                // Not a message at all: a non-empty string or bytes.
                return false;
            }
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position += 8;
                    break;
                case 2:
                    // Read the length first: "_position += Varint()" would add it to the position before the read.
                    var length = (int)Varint();
                    _position += length;
                    break;
                case 5:
                    _position += 4;
                    break;
                default:
                    throw Errors.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
