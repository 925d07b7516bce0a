namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Sets <c>User-Agent: supercloud-operator/&lt;identity&gt;</c> on every request of a Kubernetes client, so the
/// API server's audit log (and the lab's request log) tells which replica made each request.
/// </summary>
public sealed class UserAgentHandler : DelegatingHandler
{
    /// <summary>The product token before the identity.</summary>
    public const string Product = "supercloud-operator";

    /// <summary>Creates a handler for the replica <paramref name="identity"/> (its leader-election identity, usually the pod name).</summary>
    public UserAgentHandler(string identity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        if (identity.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '(' or ')'))
        {
            throw new ArgumentException($"identity '{identity}' must not contain spaces, control characters, '/', '(' or ')' (it becomes a User-Agent product version)", nameof(identity));
        }

        UserAgent = $"{Product}/{identity}";
    }

    /// <summary>The User-Agent value sent.</summary>
    public string UserAgent { get; }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Replaces the client library's default so the identity is the whole agent, not one token among several.
        request.Headers.UserAgent.Clear();
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return base.SendAsync(request, cancellationToken);
    }
}
