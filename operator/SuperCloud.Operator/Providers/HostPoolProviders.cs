using System.Collections.Concurrent;
using System.Text;
using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using k8s;
using k8s.Autorest;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Providers.Aws;

namespace SuperCloud.Operator.Providers;

/// <summary>
/// The provider of each SuperCluster, built from its spec: for aws, an EC2 client on <c>spec.aws.endpoint</c> (else the
/// region's public endpoint) with the keys of <c>spec.aws.credentialsSecretRef</c> or the SDK's standard credential chain
/// (environment, profile, web identity, container or instance role). Clients are kept while their settings stay the same.
/// Credentials are never logged or written anywhere.
/// </summary>
/// <param name="kubernetes">Reads credential Secrets.</param>
/// <param name="options">The operator's namespace (the default of a Secret reference) and SDK settings.</param>
/// <param name="time">The clock.</param>
public sealed class HostPoolProviders(IKubernetes kubernetes, HostPoolProviderOptions options, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, (string Fingerprint, IHostPoolProvider Provider)> _providers = new(StringComparer.Ordinal);

    /// <summary>True when the operator reads prices and manages hosts for <paramref name="cluster"/>: provider aws with <c>spec.aws</c> set.</summary>
    public static bool Manages(SuperCluster cluster) => cluster?.Spec is { Provider: CloudProvider.Aws, Aws: not null };

    /// <summary>The provider of <paramref name="cluster"/>; throws <see cref="HostPoolProviderException"/> when its settings cannot be used.</summary>
    public async Task<IHostPoolProvider> ForClusterAsync(SuperCluster cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var name = cluster.Metadata.Name;
        if (!Manages(cluster))
        {
            throw new HostPoolProviderException("Configuration", $"SuperCluster {name}: only provider aws with spec.aws set has a provider the operator can call");
        }

        var aws = cluster.Spec.Aws!;
        AWSCredentials? credentials = null;
        var fingerprint = $"{aws.Endpoint}|{cluster.Spec.Region}|{aws.ImageId}|{aws.SubnetId}";
        if (aws.CredentialsSecretRef is { } reference)
        {
            var (keyId, secret, version) = await ReadSecretAsync(name, reference, cancellationToken);
            credentials = new BasicAWSCredentials(keyId, secret);
            fingerprint += $"|{reference.Namespace}/{reference.Name}@{version}";
        }

        if (_providers.TryGetValue(name, out var known) && known.Fingerprint == fingerprint)
        {
            return known.Provider;
        }

        var config = new AmazonEC2Config
        {
            AuthenticationRegion = cluster.Spec.Region,
            MaxErrorRetry = options.MaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            Timeout = options.RequestTimeout,
        };
        if (!string.IsNullOrEmpty(aws.Endpoint))
        {
            config.ServiceURL = aws.Endpoint;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(cluster.Spec.Region);
        }

        var client = credentials is null ? new AmazonEC2Client(config) : new AmazonEC2Client(credentials, config);
        var provider = new Ec2HostPoolProvider(client, name, aws, time);
        _providers.AddOrUpdate(name, (fingerprint, provider), (_, old) =>
        {
            old.Provider.Dispose();
            return (fingerprint, provider);
        });
        return provider;
    }

    /// <summary>Drops the provider of a SuperCluster that is gone.</summary>
    public void Forget(string cluster)
    {
        if (_providers.TryRemove(cluster, out var known))
        {
            known.Provider.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, known) in _providers)
        {
            known.Provider.Dispose();
        }

        _providers.Clear();
    }

    private async Task<(string KeyId, string Secret, string? Version)> ReadSecretAsync(string cluster, SecretReference reference, CancellationToken cancellationToken)
    {
        var ns = string.IsNullOrEmpty(reference.Namespace) ? options.Namespace : reference.Namespace;
        k8s.Models.V1Secret secret;
        try
        {
            secret = await kubernetes.CoreV1.ReadNamespacedSecretAsync(reference.Name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new HostPoolProviderException("Configuration", $"SuperCluster {cluster}: spec.aws.credentialsSecretRef: Secret {ns}/{reference.Name} cannot be read: HTTP {(int)e.Response.StatusCode}", e);
        }

        string Key(string key) => secret.Data?.TryGetValue(key, out var bytes) == true && bytes.Length > 0
            ? Encoding.UTF8.GetString(bytes).Trim()
            : throw new HostPoolProviderException("Configuration", $"SuperCluster {cluster}: spec.aws.credentialsSecretRef: Secret {ns}/{reference.Name} has no key {key}");
        return (Key("accessKeyId"), Key("secretAccessKey"), secret.Metadata?.ResourceVersion);
    }
}
