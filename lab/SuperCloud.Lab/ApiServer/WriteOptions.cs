namespace SuperCloud.Lab.ApiServer;

/// <summary>Query options common to every write: <c>dryRun</c>, <c>fieldManager</c>, <c>fieldValidation</c>.</summary>
/// <param name="DryRun">True for <c>dryRun=All</c>: run everything, store nothing.</param>
/// <param name="FieldManager">The manager recorded in managedFields.</param>
/// <param name="FieldValidation">Strict, Warn or Ignore.</param>
/// <param name="IsApply">True for server-side apply, whose merge already produced managedFields.</param>
/// <param name="IsPatch">True for JSON/merge/strategic patches, whose strict-validation failures kube reports as 422 on "patch".</param>
internal sealed record WriteOptions(bool DryRun, string FieldManager, string FieldValidation, bool IsApply = false, bool IsPatch = false)
{
    /// <summary>Who writes, for admission policies; null for the server's own controllers, which admission policies do not see.</summary>
    public Auth.UserInfo? User { get; init; }

    /// <summary>Options for writes the server's own controllers make.</summary>
    public static readonly WriteOptions Controller = new(false, "supercloud-lab-controller", "Ignore");
}
