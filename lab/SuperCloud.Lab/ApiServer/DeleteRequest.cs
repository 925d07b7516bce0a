namespace SuperCloud.Lab.ApiServer;

/// <summary>The <c>DeleteOptions</c> of a delete: propagation policy, preconditions, dry run.</summary>
/// <param name="PropagationPolicy">Background, Foreground or Orphan; null means the resource's default (Background).</param>
/// <param name="PreconditionUid">Delete only if the uid matches.</param>
/// <param name="PreconditionResourceVersion">Delete only if the resourceVersion matches.</param>
/// <param name="DryRun">Validate only.</param>
internal sealed record DeleteRequest(string? PropagationPolicy, string? PreconditionUid, string? PreconditionResourceVersion, bool DryRun)
{
    /// <summary>Who deletes, for admission policies; null for the server's own controllers.</summary>
    public Auth.UserInfo? User { get; init; }

    /// <summary>A plain background delete, as the garbage collector issues.</summary>
    public static readonly DeleteRequest Background = new("Background", null, null, false);
}
