namespace SuperCloud.Lab.ApiServer;

/// <summary>The built-in kinds the lab serves (stored and served, never run), as kube-apiserver's discovery lists them.</summary>
internal static class BuiltInResources
{
    public static readonly IReadOnlyList<string> AllVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly IReadOnlyList<ApiResource> All =
    [
        Core("Namespace", "namespaces", false, ["ns"], [], status: true, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"]),
        Core("ConfigMap", "configmaps", true, ["cm"]),
        Core("Secret", "secrets", true, []),
        Core("ServiceAccount", "serviceaccounts", true, ["sa"]),
        Core("Event", "events", true, ["ev"]),
        Core("Service", "services", true, ["svc"], ["all"], status: true),
        Core("Pod", "pods", true, ["po"], ["all"], status: true),
        Core("Endpoints", "endpoints", true, ["ep"]),
        Core("PersistentVolumeClaim", "persistentvolumeclaims", true, ["pvc"], status: true),
        Core("PersistentVolume", "persistentvolumes", false, ["pv"], status: true),
        Core("Node", "nodes", false, ["no"], status: true),
        Core("LimitRange", "limitranges", true, ["limits"]),
        Core("ResourceQuota", "resourcequotas", true, ["quota"], status: true),
        Core("ReplicationController", "replicationcontrollers", true, ["rc"], ["all"], status: true),
        Group("events.k8s.io", "v1", "Event", "events", true, ["ev"]),
        Group("coordination.k8s.io", "v1", "Lease", "leases", true, []),
        Group("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, ["crd", "crds"], ["api-extensions"], status: true),
        Group("apps", "v1", "Deployment", "deployments", true, ["deploy"], ["all"], status: true),
        Group("apps", "v1", "DaemonSet", "daemonsets", true, ["ds"], ["all"], status: true),
        Group("apps", "v1", "StatefulSet", "statefulsets", true, ["sts"], ["all"], status: true),
        Group("apps", "v1", "ReplicaSet", "replicasets", true, ["rs"], ["all"], status: true),
        Group("apps", "v1", "ControllerRevision", "controllerrevisions", true, []),
        Group("batch", "v1", "Job", "jobs", true, [], ["all"], status: true),
        Group("batch", "v1", "CronJob", "cronjobs", true, ["cj"], ["all"], status: true),
        Group("rbac.authorization.k8s.io", "v1", "Role", "roles", true, []),
        Group("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, []),
        Group("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, []),
        Group("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, []),
        Group("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, ["netpol"]),
        Group("networking.k8s.io", "v1", "Ingress", "ingresses", true, ["ing"], status: true),
        Group("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, []),
        Group("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, ["pdb"], status: true),
        Group("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, ["hpa"], ["all"], status: true),
        Group("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, ["pc"]),
        Group("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, ["sc"]),
        Group("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false, [], ["api-extensions"]),
        Group("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false, [], ["api-extensions"]),
        Group("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", false, [], ["api-extensions"], status: true),
        Group("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false, [], ["api-extensions"]),
        Group("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false, ["csr"], status: true),
        Group("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false, [], verbs: ["create"]),
        Group("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false, [], verbs: ["create"]),
        Group("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false, [], verbs: ["create"]),
        Group("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, [], verbs: ["create"]),
        Group("apiregistration.k8s.io", "v1", "APIService", "apiservices", false, [], ["api-extensions"], status: true),
    ];

    /// <summary>The review APIs: answered from the request alone, never stored.</summary>
    public static bool IsReview(ApiResource resource) =>
        resource.Group is "authentication.k8s.io" or "authorization.k8s.io";

    private static ApiResource Core(string kind, string plural, bool namespaced, IReadOnlyList<string> shortNames,
        IReadOnlyList<string>? categories = null, bool status = false, IReadOnlyList<string>? verbs = null) =>
        Group("", "v1", kind, plural, namespaced, shortNames, categories, status, verbs);

    private static ApiResource Group(string group, string version, string kind, string plural, bool namespaced,
        IReadOnlyList<string> shortNames, IReadOnlyList<string>? categories = null, bool status = false, IReadOnlyList<string>? verbs = null) =>
        new(group, version, kind, kind + "List", plural, kind.ToLowerInvariant(), namespaced, shortNames,
            categories ?? [], verbs ?? AllVerbs, status, null, []);
}
