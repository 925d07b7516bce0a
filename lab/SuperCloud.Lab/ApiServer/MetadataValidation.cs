using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Validates <c>metadata</c> on create and update the way kube's ValidateObjectMeta(Update) does.</summary>
internal static partial class MetadataValidation
{
    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    /// <summary>kube's limit on the keys and values of all annotations together (256 KiB).</summary>
    public const long TotalAnnotationSizeLimit = 256 * 1024;

    public static List<FieldError> ValidateCreate(ApiResource resource, JsonObject obj)
    {
        var errors = new List<FieldError>();
        var meta = Json.Metadata(obj);
        var name = Json.Name(obj);
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            errors.AddRange(NameRules.Check(resource, name).Select(p => FieldError.Invalid("metadata.name", name, p)));
        }

        errors.AddRange(Common(meta));
        return errors;
    }

    public static List<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var errors = new List<FieldError>(Common(Json.Metadata(obj)));
        var oldFinalizers = Json.Finalizers(old);
        var added = Json.Finalizers(obj).Where(f => !oldFinalizers.Contains(f)).ToList();
        if (Json.IsDeleting(old) && added.Count > 0)
        {
            errors.Add(FieldError.Forbidden("metadata.finalizers",
                $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(f => $"\"{f}\""))}}}"));
        }

        return errors;
    }

    private static IEnumerable<FieldError> Common(JsonObject meta)
    {
        if (meta["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                foreach (var problem in QualifiedName(key))
                {
                    yield return FieldError.Invalid("metadata.labels", key, problem);
                }

                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (text is null)
                {
                    yield return FieldError.Invalid($"metadata.labels.{key}", value?.DeepClone(), "label values must be strings");
                }
                else if (text.Length > 63 || !LabelValue().IsMatch(text))
                {
                    yield return FieldError.Invalid("metadata.labels", text,
                        text.Length > 63 ? "must be no more than 63 characters"
                            : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
                }
            }
        }

        if (meta["annotations"] is JsonObject annotations)
        {
            var total = 0L;
            foreach (var (key, value) in annotations)
            {
                foreach (var problem in QualifiedName(key))
                {
                    yield return FieldError.Invalid("metadata.annotations", key, problem);
                }

                total += System.Text.Encoding.UTF8.GetByteCount(key) + (value is JsonValue v && v.TryGetValue<string>(out var text)
                    ? System.Text.Encoding.UTF8.GetByteCount(text)
                    : 0);
            }

            if (total > TotalAnnotationSizeLimit)
            {
                yield return FieldError.TooLong("metadata.annotations", JsonValue.Create(""), TotalAnnotationSizeLimit);
            }
        }

        var finalizers = meta["finalizers"] as JsonArray ?? [];
        for (var i = 0; i < finalizers.Count; i++)
        {
            var f = finalizers[i]?.GetValue<string>() ?? "";
            if (f.Length == 0 || (!f.Contains('/', StringComparison.Ordinal) && f is not ("orphan" or "foregroundDeletion" or "kubernetes") && !f.Contains('.', StringComparison.Ordinal)))
            {
                yield return FieldError.Invalid($"metadata.finalizers[{i}]", f, "name is neither a standard finalizer name nor is it fully qualified");
            }
        }
    }

    private static IEnumerable<string> QualifiedName(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash >= 0 ? key[..slash] : null;
        var name = slash >= 0 ? key[(slash + 1)..] : key;
        if (prefix is not null)
        {
            foreach (var p in NameRules.Dns1123Subdomain(prefix))
            {
                yield return "prefix part " + p;
            }
        }

        if (name.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else if (name.Length > 63)
        {
            yield return "name part must be no more than 63 characters";
        }
        else if (!QualifiedNamePart().IsMatch(name))
        {
            yield return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        }
    }
}
