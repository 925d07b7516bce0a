using System.Globalization;
using System.Text;

namespace SuperCloud.Lab.Registry;

/// <summary>Writes the configuration of a Docker distribution registry (Debian's <c>docker-registry</c>, distribution 2.8).</summary>
public static class RegistryConfig
{
    /// <summary>
    /// Writes to <paramref name="path"/> a registry storing under <paramref name="storage"/> and listening on
    /// <paramref name="address"/> (ip:port), with TLS when <paramref name="tls"/> is given and the distribution token flow
    /// when <paramref name="token"/> is given; deletes are allowed (garbage-collectable), upload purging is off.
    /// </summary>
    public static void Write(string path, string storage, string address, RegistryTls? tls = null, RegistryTokenAuth? token = null)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("version: 0.1");
        yaml.AppendLine("log:");
        yaml.AppendLine("  level: warn");
        yaml.AppendLine("  accesslog:");
        yaml.AppendLine("    disabled: true");
        yaml.AppendLine("storage:");
        yaml.AppendLine("  filesystem:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"    rootdirectory: {Quote(storage)}");
        yaml.AppendLine("  delete:");
        yaml.AppendLine("    enabled: true");
        yaml.AppendLine("  maintenance:");
        yaml.AppendLine("    uploadpurging:");
        yaml.AppendLine("      enabled: false");
        yaml.AppendLine("http:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  addr: {Quote(address)}");
        // A fixed secret: several registries (and restarts) then agree on upload state; it protects nothing in a lab.
        yaml.AppendLine("  secret: supercloud-lab-registry");
        if (tls is not null)
        {
            yaml.AppendLine("  tls:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    certificate: {Quote(tls.CertificatePath)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    key: {Quote(tls.KeyPath)}");
        }

        if (token is not null)
        {
            yaml.AppendLine("auth:");
            yaml.AppendLine("  token:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    realm: {Quote(token.Realm)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    service: {Quote(token.Service)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    issuer: {Quote(token.Issuer)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    rootcertbundle: {Quote(token.RootCertificateBundlePath)}");
        }

        File.WriteAllText(path, yaml.ToString());
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
