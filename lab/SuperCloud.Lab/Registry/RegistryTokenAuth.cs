namespace SuperCloud.Lab.Registry;

/// <summary>The distribution token flow a registry demands: where clients get tokens and who signs them.</summary>
/// <param name="Realm">The token service's URL.</param>
/// <param name="Service">The service name tokens are issued for (their audience).</param>
/// <param name="Issuer">The issuer tokens must name.</param>
/// <param name="RootCertificateBundlePath">PEM certificates whose keys may sign tokens.</param>
public sealed record RegistryTokenAuth(string Realm, string Service, string Issuer, string RootCertificateBundlePath);
