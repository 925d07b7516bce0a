namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>Who made a request, as kube-apiserver's authenticators describe a user: name, uid, groups and extra values.</summary>
/// <param name="Username">The user name, e.g. <c>system:serviceaccount:ns:name</c>.</param>
/// <param name="Uid">The user's uid (a ServiceAccount's metadata.uid), or empty.</param>
/// <param name="Groups">The groups, including <c>system:authenticated</c> for every authenticated user.</param>
/// <param name="Extra">Extra values, e.g. <c>authentication.kubernetes.io/node-name</c> from a bound token.</param>
public sealed record UserInfo(string Username, string Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    /// <summary>The group whose members may do anything, as kube's RBAC super-user group.</summary>
    public const string MastersGroup = "system:masters";

    /// <summary>Every authenticated user is in this group.</summary>
    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>Requests without credentials are made by this user, in <see cref="UnauthenticatedGroup"/>.</summary>
    public const string AnonymousUser = "system:anonymous";

    /// <summary>The group of <see cref="AnonymousUser"/>.</summary>
    public const string UnauthenticatedGroup = "system:unauthenticated";

    /// <summary>The extra key of a bound token's node name (Kubernetes 1.32+ ServiceAccountTokenPodNodeInfo).</summary>
    public const string NodeNameExtra = "authentication.kubernetes.io/node-name";

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoExtra = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The lab's administrator: the static token of the default kubeconfig and the plain-HTTP listener.</summary>
    public static UserInfo Admin { get; } = new("supercloud-lab", "", [MastersGroup, AuthenticatedGroup], NoExtra);

    /// <summary>A request with no credentials on the TLS listener.</summary>
    public static UserInfo Anonymous { get; } = new(AnonymousUser, "", [UnauthenticatedGroup], NoExtra);

    /// <summary>True for members of <see cref="MastersGroup"/>.</summary>
    public bool IsMaster => Groups.Contains(MastersGroup);

    /// <summary>A user with no extra values.</summary>
    public static UserInfo Create(string username, string uid, IEnumerable<string> groups) => new(username, uid, [.. groups], NoExtra);
}
