using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>The meta.k8s.io/v1 definitions every group-version document references (ObjectMeta, ListMeta, Status, ...), in OpenAPI v3 form.</summary>
internal static class MetaSchemas
{
    public const string Prefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    public const string ObjectMeta = Prefix + "ObjectMeta";
    public const string ListMeta = Prefix + "ListMeta";
    public const string Status = Prefix + "Status";
    public const string DeleteOptions = Prefix + "DeleteOptions";
    public const string Patch = Prefix + "Patch";
    public const string WatchEvent = Prefix + "WatchEvent";

    public const string ApiVersionDescription = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
    public const string KindDescription = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
    public const string ObjectMetaDescription = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    public const string ListMetaDescription = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    /// <summary>A reference in v3 style: <c>#/components/schemas/NAME</c>.</summary>
    public static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    /// <summary>A described reference, which v3 wraps in allOf as kube does.</summary>
    public static JsonObject RefWithDescription(string name, string description) => new()
    {
        ["allOf"] = new JsonArray(Ref(name)),
        ["description"] = description,
    };

    /// <summary>All meta definitions, fresh each call (JSON nodes have a single parent).</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> All()
    {
        yield return new(ObjectMeta, Obj("ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.", new()
        {
            ["annotations"] = StringMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations"),
            ["creationTimestamp"] = RefWithDescription(Prefix + "Time", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC."),
            ["deletionGracePeriodSeconds"] = Int("Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only."),
            ["deletionTimestamp"] = RefWithDescription(Prefix + "Time", "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client."),
            ["finalizers"] = StringList("Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.", "set"),
            ["generateName"] = Str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
            ["generation"] = Int("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only."),
            ["labels"] = StringMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels"),
            ["managedFields"] = new JsonObject
            {
                ["description"] = "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field.",
                ["type"] = "array",
                ["items"] = Ref(Prefix + "ManagedFieldsEntry"),
                ["x-kubernetes-list-type"] = "atomic",
            },
            ["name"] = Str("Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"),
            ["namespace"] = Str("Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces"),
            ["ownerReferences"] = new JsonObject
            {
                ["description"] = "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller.",
                ["type"] = "array",
                ["items"] = Ref(Prefix + "OwnerReference"),
                ["x-kubernetes-list-type"] = "map",
                ["x-kubernetes-list-map-keys"] = new JsonArray("uid"),
                ["x-kubernetes-patch-merge-key"] = "uid",
                ["x-kubernetes-patch-strategy"] = "merge",
            },
            ["resourceVersion"] = Str("An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. Populated by the system. Read-only."),
            ["selfLink"] = Str("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."),
            ["uid"] = Str("UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations. Populated by the system. Read-only."),
        }));
        yield return new(ListMeta, Obj("ListMeta describes metadata that synthetic resources must have, including lists and various status objects.", new()
        {
            ["continue"] = Str("continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available."),
            ["remainingItemCount"] = Int("remainingItemCount is the number of subsequent items in the list which are not included in this list response."),
            ["resourceVersion"] = Str("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed."),
            ["selfLink"] = Str("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."),
        }));
        yield return new(Prefix + "OwnerReference", Obj("OwnerReference contains enough information to let you identify an owning object.", new()
        {
            ["apiVersion"] = Str("API version of the referent."),
            ["blockOwnerDeletion"] = Bool("If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed."),
            ["controller"] = Bool("If true, this reference points to the managing controller."),
            ["kind"] = Str("Kind of the referent."),
            ["name"] = Str("Name of the referent."),
            ["uid"] = Str("UID of the referent."),
        }, "apiVersion", "kind", "name", "uid"));
        yield return new(Prefix + "ManagedFieldsEntry", Obj("ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.", new()
        {
            ["apiVersion"] = Str("APIVersion defines the version of this resource that this field set applies to."),
            ["fieldsType"] = Str("FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: \"FieldsV1\""),
            ["fieldsV1"] = RefWithDescription(Prefix + "FieldsV1", "FieldsV1 holds the first JSON version format as described in the \"FieldsV1\" type."),
            ["manager"] = Str("Manager is an identifier of the workflow managing these fields."),
            ["operation"] = Str("Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'."),
            ["subresource"] = Str("Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource."),
            ["time"] = RefWithDescription(Prefix + "Time", "Time is the timestamp of when the ManagedFields entry was added."),
        }));
        yield return new(Prefix + "FieldsV1", new JsonObject { ["description"] = "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.", ["type"] = "object" });
        yield return new(Prefix + "Time", new JsonObject { ["description"] = "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.", ["type"] = "string", ["format"] = "date-time" });
        yield return new(Status, Obj("Status is a return value for calls that don't return other objects.", new()
        {
            ["apiVersion"] = Str(ApiVersionDescription),
            ["code"] = Int("Suggested HTTP return code for this status, 0 if not set."),
            ["details"] = RefWithDescription(Prefix + "StatusDetails", "Extended data associated with the reason."),
            ["kind"] = Str(KindDescription),
            ["message"] = Str("A human-readable description of the status of this operation."),
            ["metadata"] = RefWithDescription(ListMeta, ListMetaDescription),
            ["reason"] = Str("A machine-readable description of why this operation is in the \"Failure\" status."),
            ["status"] = Str("Status of the operation. One of: \"Success\" or \"Failure\"."),
        }, ("", "v1", "Status")));
        yield return new(Prefix + "StatusDetails", Obj("StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.", new()
        {
            ["causes"] = new JsonObject { ["description"] = "The Causes array includes more details associated with the StatusReason failure.", ["type"] = "array", ["items"] = Ref(Prefix + "StatusCause"), ["x-kubernetes-list-type"] = "atomic" },
            ["group"] = Str("The group attribute of the resource associated with the status StatusReason."),
            ["kind"] = Str("The kind attribute of the resource associated with the status StatusReason."),
            ["name"] = Str("The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described)."),
            ["retryAfterSeconds"] = Int("If specified, the time in seconds before the operation should be retried."),
            ["uid"] = Str("UID of the resource."),
        }));
        yield return new(Prefix + "StatusCause", Obj("StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.", new()
        {
            ["field"] = Str("The field of the resource that has caused this error, as named by its JSON serialization."),
            ["message"] = Str("A human-readable description of the cause of the error."),
            ["reason"] = Str("A machine-readable description of the cause of the error."),
        }));
        yield return new(DeleteOptions, Obj("DeleteOptions may be provided when deleting an API object.", new()
        {
            ["apiVersion"] = Str(ApiVersionDescription),
            ["dryRun"] = StringList("When present, indicates that modifications should not be persisted.", "atomic"),
            ["gracePeriodSeconds"] = Int("The duration in seconds before the object should be deleted."),
            ["kind"] = Str(KindDescription),
            ["orphanDependents"] = Bool("Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7."),
            ["preconditions"] = RefWithDescription(Prefix + "Preconditions", "Must be fulfilled before a deletion is carried out."),
            ["propagationPolicy"] = Str("Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
        }));
        yield return new(Prefix + "Preconditions", Obj("Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.", new()
        {
            ["resourceVersion"] = Str("Specifies the target ResourceVersion"),
            ["uid"] = Str("Specifies the target UID."),
        }));
        yield return new(Patch, new JsonObject { ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.", ["type"] = "object" });
        yield return new(WatchEvent, Obj("Event represents a single event to a watched resource.", new()
        {
            ["object"] = RefWithDescription("io.k8s.apimachinery.pkg.runtime.RawExtension", "Object is:\n * If Type is Added or Modified: the new state of the object.\n * If Type is Deleted: the state of the object immediately before deletion.\n * If Type is Error: *Status is recommended; other types may make sense\n   depending on context."),
            ["type"] = Str(""),
        }, "type", "object"));
        yield return new("io.k8s.apimachinery.pkg.runtime.RawExtension", new JsonObject { ["description"] = "RawExtension is used to hold extensions in external versions.", ["type"] = "object" });
    }

    private static JsonObject Obj(string description, JsonObject properties, params string[] required) => Obj(description, properties, null, required);

    private static JsonObject Obj(string description, JsonObject properties, (string Group, string Version, string Kind)? gvk, params string[] required)
    {
        var o = new JsonObject { ["description"] = description, ["type"] = "object", ["properties"] = properties };
        if (required.Length > 0)
        {
            o["required"] = new JsonArray(required.Select(r => (JsonNode)r).ToArray());
        }

        if (gvk is { } g)
        {
            o["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = g.Group, ["kind"] = g.Kind, ["version"] = g.Version });
        }

        return o;
    }

    private static JsonObject Str(string description) => new() { ["description"] = description, ["type"] = "string" };

    private static JsonObject Int(string description) => new() { ["description"] = description, ["type"] = "integer", ["format"] = "int64" };

    private static JsonObject Bool(string description) => new() { ["description"] = description, ["type"] = "boolean" };

    private static JsonObject StringMap(string description) => new()
    {
        ["description"] = description,
        ["type"] = "object",
        ["additionalProperties"] = new JsonObject { ["type"] = "string", ["default"] = "" },
    };

    private static JsonObject StringList(string description, string listType) => new()
    {
        ["description"] = description,
        ["type"] = "array",
        ["items"] = new JsonObject { ["type"] = "string", ["default"] = "" },
        ["x-kubernetes-list-type"] = listType,
    };
}
