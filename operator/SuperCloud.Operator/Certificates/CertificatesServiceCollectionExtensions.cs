using k8s.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Certificates;

/// <summary>Registers the node agents' certificate signer.</summary>
public static class CertificatesServiceCollectionExtensions
{
    /// <summary>Adds the controller that approves and signs node agents' CertificateSigningRequests.</summary>
    public static IServiceCollection AddNodeCertificateSigner(this IServiceCollection services, NodeCertificateSignerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(options);
        services.AddInformer<V1CertificateSigningRequest>(new InformerOptions());
        services.AddController<V1CertificateSigningRequest, NodeCertificateSigner>("node-certificate-signer");
        return services;
    }
}
