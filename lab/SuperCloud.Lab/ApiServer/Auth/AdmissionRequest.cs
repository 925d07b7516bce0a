using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>A write as admission sees it: what, by whom, the object after and before.</summary>
/// <param name="Resource">The resource written.</param>
/// <param name="Subresource">The subresource ("" for the object itself), e.g. <c>status</c>.</param>
/// <param name="Operation">CREATE, UPDATE or DELETE.</param>
/// <param name="Namespace">The namespace, or "".</param>
/// <param name="Name">The object's name.</param>
/// <param name="Object">The object as it would be stored (null on DELETE).</param>
/// <param name="OldObject">The stored object (null on CREATE).</param>
/// <param name="User">Who writes.</param>
/// <param name="DryRun">True for a dry run.</param>
internal sealed record AdmissionRequest(
    ApiResource Resource, string Subresource, string Operation, string Namespace, string Name, JsonObject? Object, JsonObject? OldObject, UserInfo User, bool DryRun)
{
    /// <summary>The CEL value of <c>request</c> (kube's admission.Attributes as VAP exposes them).</summary>
    public Dictionary<string, object?> ToCel()
    {
        var extra = User.Extra.ToDictionary(e => e.Key, e => (object?)e.Value.Cast<object?>().ToList(), StringComparer.Ordinal);
        var kind = new Dictionary<string, object?> { ["group"] = Resource.Group, ["version"] = Resource.Version, ["kind"] = Resource.Kind };
        var resource = new Dictionary<string, object?> { ["group"] = Resource.Group, ["version"] = Resource.Version, ["resource"] = Resource.Plural };
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["kind"] = kind,
            ["resource"] = resource,
            ["subResource"] = Subresource,
            ["requestKind"] = kind,
            ["requestResource"] = resource,
            ["requestSubResource"] = Subresource,
            ["name"] = Name,
            ["namespace"] = Namespace,
            ["operation"] = Operation,
            ["userInfo"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["username"] = User.Username,
                ["uid"] = User.Uid,
                ["groups"] = User.Groups.Cast<object?>().ToList(),
                ["extra"] = extra,
            },
            ["dryRun"] = DryRun,
        };
    }
}
