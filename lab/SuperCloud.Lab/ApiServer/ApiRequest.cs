namespace SuperCloud.Lab.ApiServer;

/// <summary>A resource request resolved against the registry: resource, namespace, name, subresource and query.</summary>
internal sealed record ApiRequest(HttpContext Context, ApiResource Resource, string? Namespace, string? Name, string? Subresource)
{
    public string? Query(string key) => Context.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null;

    public bool Flag(string key) => Query(key) is "true" or "1";

    public string? Accept => Context.Request.Headers.Accept.ToString();

    /// <summary>Write options from <c>dryRun</c>, <c>fieldManager</c> and <c>fieldValidation</c>.</summary>
    public WriteOptions WriteOptions(bool isApply = false, bool isPatch = false)
    {
        var dryRun = Context.Request.Query["dryRun"];
        foreach (var value in dryRun)
        {
            if (value != "All")
            {
                throw Errors.BadRequest($"Invalid dry run value: \"{value}\"; supported values: \"All\"");
            }
        }

        var manager = Query("fieldManager");
        if (string.IsNullOrEmpty(manager))
        {
            var agent = Context.Request.Headers.UserAgent.ToString();
            manager = agent.Length == 0 ? "unknown" : agent.Split('/')[0];
        }
        else if (manager.Length > 128)
        {
            throw Errors.BadRequest($"fieldManager: Too long: may not be more than 128 bytes");
        }

        return new WriteOptions(dryRun.Count > 0, manager, Query("fieldValidation") is { Length: > 0 } fv ? fv : "Warn", isApply, isPatch)
        {
            User = Auth.RequestSecurity.UserOf(Context),
        };
    }

    public LabelSelector Labels => LabelSelector.Parse(Query("labelSelector"));

    public FieldSelector Fields => FieldSelector.Parse(Query("fieldSelector"), Resource);
}
