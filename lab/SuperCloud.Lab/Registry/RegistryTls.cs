namespace SuperCloud.Lab.Registry;

/// <summary>The PEM certificate and key a registry serves HTTPS with.</summary>
/// <param name="CertificatePath">The server certificate (chain).</param>
/// <param name="KeyPath">Its private key.</param>
public sealed record RegistryTls(string CertificatePath, string KeyPath);
