namespace SuperCloud.Images;

/// <summary>A user name and password (or token) for one registry, used for Basic authentication or to obtain bearer tokens.</summary>
/// <param name="Username">The user name.</param>
/// <param name="Password">The password or access token.</param>
public sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{Username}:***";
}
