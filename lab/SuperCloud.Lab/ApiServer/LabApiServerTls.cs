using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Lab.ApiServer;

/// <summary>The TLS listener of a <see cref="LabApiServer"/>: its serving certificate and the CAs whose client certificates it accepts.</summary>
/// <param name="ServerCertificate">The serving certificate, with its private key; valid for every address the server listens on.</param>
/// <param name="ServerCa">The CA that issued <paramref name="ServerCertificate"/>, written into kubeconfigs as certificate-authority-data.</param>
/// <param name="ClientAuthorities">CAs of client certificates (CN the user, O the groups); empty accepts none.</param>
public sealed record LabApiServerTls(X509Certificate2 ServerCertificate, X509Certificate2 ServerCa, X509Certificate2Collection ClientAuthorities);
