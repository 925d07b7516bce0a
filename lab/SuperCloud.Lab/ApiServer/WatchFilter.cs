using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>What one watcher wants: a resource, optionally one namespace, and label/field selectors.</summary>
internal sealed record WatchFilter(ApiResource Resource, string? Namespace, LabelSelector Labels, FieldSelector Fields, bool AllowBookmarks)
{
    public bool Matches(JsonObject obj) =>
        (Namespace is null || Json.Namespace(obj) == Namespace) && Labels.Matches(Json.Labels(obj)) && Fields.Matches(obj);

    /// <summary>What this watcher sees of an event: the event, a transition (entering → ADDED, leaving → DELETED) or nothing.</summary>
    public WatchEvent? Translate(WatchEvent e)
    {
        if (e.Group != Resource.Group || e.Plural != Resource.Plural)
        {
            return null;
        }

        if (e.Type != "MODIFIED" || e.Old is null)
        {
            return Matches(e.Object) ? e : null;
        }

        var now = Matches(e.Object);
        var before = Matches(e.Old);
        if (now && before)
        {
            return e;
        }

        if (now)
        {
            return e with { Type = "ADDED" };
        }

        if (!before)
        {
            return null;
        }

        // Leaving the selector: kube sends the previous state as DELETED, stamped with the new resourceVersion.
        var old = Json.Clone(e.Old);
        Json.Metadata(old)["resourceVersion"] = e.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new WatchEvent("DELETED", e.Group, e.Plural, e.ResourceVersion, old, null);
    }
}
