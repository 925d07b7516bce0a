using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Controllers;

/// <summary>Settings of the SuperPod controller, which runs bound SuperPods on their node's agent.</summary>
public sealed record SuperPodControllerOptions
{
    /// <summary>Mutual TLS to the node agents; the controller is not registered without it (no agent can be reached).</summary>
    public AgentClientOptions? AgentClient { get; init; }

    /// <summary>host[:port] of the registry serving image names without one, or null.</summary>
    public string? DefaultRegistry { get; init; }

    /// <summary>How registries are reached when resolving images.</summary>
    public SuperCloud.Images.RegistryOptions Registry { get; init; } = new();

    /// <summary>How soon a SuperPod whose images are being pulled on its node is looked at again.</summary>
    public TimeSpan PullingRequeue { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How soon a SuperPod whose VM is still starting is looked at again.</summary>
    public TimeSpan StartingRequeue { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a settled SuperPod's VM state is read again, so a crash or guest shutdown reaches its status.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest retry delay while an agent is unreachable (the delay doubles per failure).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first retry delay while an agent is unreachable.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The operator's namespace, where the overlay's address books (one ConfigMap per overlay network) live.</summary>
    public string SystemNamespace { get; init; } = "supercloud-system";

    /// <summary>How often each node's agent is asked whether its overlay table is still the current one.</summary>
    public TimeSpan NetworkResyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Whether the controller can run: an agent client certificate is configured.</summary>
    public bool Enabled => AgentClient is not null;

    /// <summary>Throws when a setting is unusable, naming it.</summary>
    public void Validate()
    {
        AgentClient?.Validate();
        foreach (var (name, value) in new[] { (nameof(PullingRequeue), PullingRequeue), (nameof(StartingRequeue), StartingRequeue), (nameof(ResyncPeriod), ResyncPeriod), (nameof(MaxBackoff), MaxBackoff), (nameof(InitialBackoff), InitialBackoff) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"SuperPod controller {name} must be positive");
            }
        }
    }
}
