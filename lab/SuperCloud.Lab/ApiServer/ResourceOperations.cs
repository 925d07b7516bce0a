using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// The semantics of create, update and delete shared by the HTTP handlers and the in-server controllers:
/// system metadata, namespaces, admission (defaults, pruning, validation), optimistic concurrency,
/// generation, status subresource rules, finalizers and CRD registration.
/// </summary>
internal sealed partial class ResourceOperations(ObjectStore store, ResourceRegistry registry, TimeProvider time)
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private readonly Random _random = new();
    private readonly CustomResourceAdmission _customResources = new();
    private readonly Auth.AdmissionPolicies _policies = new(store);

    public ObjectStore Store => store;

    public ResourceRegistry Registry => registry;

    private DateTimeOffset Now => time.GetUtcNow();

    private static void CheckTypeMeta(ApiResource resource, JsonObject body)
    {
        var apiVersion = Json.Str(body, "apiVersion");
        var kind = Json.Str(body, "kind");
        if (apiVersion is not null && apiVersion != resource.ApiVersion)
        {
            throw Errors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({resource.ApiVersion})");
        }

        if (kind is not null && kind != resource.Kind)
        {
            throw Errors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({resource.Kind})");
        }

        body["apiVersion"] = resource.ApiVersion;
        body["kind"] = resource.Kind;
    }

    private static void CheckNamespace(ApiResource resource, string? ns, JsonObject body)
    {
        var meta = Json.Metadata(body);
        if (!resource.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }

        var inBody = Json.Namespace(body);
        if (string.IsNullOrEmpty(inBody))
        {
            meta["namespace"] = ns;
        }
        else if (inBody != ns)
        {
            throw Errors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private void RequireLiveNamespace(ApiResource resource, string? ns, string name)
    {
        if (!resource.Namespaced || ns is null)
        {
            return;
        }

        var nsObject = store.Peek(NamespaceResource, null, ns) ?? throw Errors.NamespaceNotFound(ns);
        if (Json.IsDeleting(nsObject))
        {
            throw Errors.Forbidden(resource, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    /// <summary>The core v1 namespaces resource.</summary>
    public static ApiResource NamespaceResource { get; } = BuiltInResources.All.Single(r => r.Plural == "namespaces");

    /// <summary>
    /// Defaults, prunes and validates an object about to be written, then runs the admission policies for the writer;
    /// returns unknown-field and policy warnings.
    /// </summary>
    private List<string> Admit(ApiResource resource, JsonObject obj, JsonObject? old, WriteOptions options, string? subresource)
    {
        var warnings = new List<string>();
        List<FieldError> errors;
        if (resource.Schema is not null)
        {
            var patched = options.IsPatch && options.FieldValidation == "Strict" ? GoJson(obj) : null;
            var unknown = _customResources.DefaultAndPrune(resource, obj);
            if (unknown.Count > 0)
            {
                var texts = unknown.Select(p => $"unknown field \"{p.TrimStart('.')}\"").ToList();
                if (patched is not null)
                {
                    // kube reports a strict failure of a patch against the patched object, as an invalid "patch" field.
                    throw ValidationErrors.ToStatusException("", "", "", [FieldError.Invalid("patch", patched, "strict decoding error: " + string.Join(", ", texts))]);
                }

                if (options.FieldValidation == "Strict")
                {
                    throw Errors.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: strict decoding error: {string.Join(", ", texts)}");
                }

                if (options.FieldValidation == "Warn")
                {
                    warnings.AddRange(texts);
                }
            }

            errors = old is null ? MetadataValidation.ValidateCreate(resource, obj) : MetadataValidation.ValidateUpdate(obj, old);
            errors.AddRange(_customResources.Validate(resource, obj, old));
        }
        else
        {
            BuiltInAdmission.DecodeAndDefault(resource, obj, _random);
            errors = old is null ? MetadataValidation.ValidateCreate(resource, obj) : MetadataValidation.ValidateUpdate(obj, old);
            errors.AddRange(BuiltInAdmission.Validate(resource, obj));
            if (resource == CustomResourceDefinitions.Resource && errors.Count == 0)
            {
                errors.AddRange(CustomResourceAdmission.CheckDefinition(obj));
            }
        }

        if (errors.Count > 0)
        {
            throw Errors.Invalid(resource, Json.Name(obj), errors);
        }

        if (options.User is { } user)
        {
            warnings.AddRange(_policies.Validate(new Auth.AdmissionRequest(
                resource, subresource ?? "", old is null ? "CREATE" : "UPDATE", Json.Namespace(obj) ?? "", Json.Name(obj), obj, old, user, options.DryRun)));
        }

        return warnings;
    }

    /// <summary>JSON as Go marshals an unstructured object: object keys sorted.</summary>
    private static string GoJson(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => System.Text.Json.JsonSerializer.Serialize(kv.Key, GoJsonOptions) + ":" + GoJson(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(GoJson)) + "]",
        null => "null",
        _ => node.ToJsonString(GoJsonOptions),
    };

    private static readonly System.Text.Json.JsonSerializerOptions GoJsonOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void ValidateOptions(WriteOptions options)
    {
        if (options.FieldValidation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw Errors.BadRequest($"fieldValidation parameter unsupported: {options.FieldValidation}");
        }
    }

    private JsonObject TrackManagedFields(ApiResource resource, JsonObject? old, JsonObject obj, WriteOptions options, string? subresource)
    {
        if (options.IsApply)
        {
            return obj;
        }

        return ManagedFieldsTracker.Track(resource, old, obj, options.FieldManager, Now, subresource);
    }

    /// <summary>Re-reads every CRD and serves exactly what the live ones define (called after CRD writes).</summary>
    private void RefreshCustomResources()
    {
        var served = store.PeekAll(CustomResourceDefinitions.Resource)
            .SelectMany(CustomResourceDefinitions.ServedResources)
            .ToList();
        registry.SetCustomResources(served);
    }

    /// <summary>Rebuilds the registry from the stored CRDs (after loading a snapshot).</summary>
    public void LoadCustomResources()
    {
        lock (store.Gate)
        {
            RefreshCustomResources();
        }
    }

    private JsonObject Commit(ApiResource resource, string type, JsonObject obj)
    {
        var stored = store.Commit(resource, type, obj);
        if (resource == CustomResourceDefinitions.Resource)
        {
            RefreshCustomResources();
        }

        return Json.Clone(stored);
    }

    private string GenerateName(string prefix)
    {
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = GenerateNameAlphabet[_random.Next(GenerateNameAlphabet.Length)];
        }

        return prefix + new string(suffix);
    }

    /// <summary>
    /// Whether kube maintains <c>metadata.generation</c> for the kind: custom resources and exactly the built-in kinds
    /// whose registry strategy sets it in PrepareForCreate (pods since 1.33, workloads, ingresses, ingress classes,
    /// network policies, PDBs, HPAs, webhook configurations, admission policies and their bindings, CRDs). ConfigMap, Secret, Namespace, Service,
    /// ServiceAccount, Lease, Event, RBAC, storage and ControllerRevision objects have none.
    /// </summary>
    private static bool UsesGeneration(ApiResource resource) =>
        resource.Schema is not null || (resource.Group, resource.Plural) is
            ("apiextensions.k8s.io", "customresourcedefinitions") or
            ("apps", "deployments" or "daemonsets" or "statefulsets" or "replicasets") or
            ("batch", "jobs" or "cronjobs") or ("policy", "poddisruptionbudgets") or ("autoscaling", "horizontalpodautoscalers") or
            ("networking.k8s.io", "ingresses" or "ingressclasses" or "networkpolicies") or
            ("", "replicationcontrollers" or "pods") or
            ("admissionregistration.k8s.io", "validatingwebhookconfigurations" or "mutatingwebhookconfigurations" or
                "validatingadmissionpolicies" or "validatingadmissionpolicybindings");
}
