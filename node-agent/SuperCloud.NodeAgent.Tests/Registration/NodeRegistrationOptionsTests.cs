using SuperCloud.NodeAgent.Registration;

namespace SuperCloud.NodeAgent.Tests.Registration;

public sealed class NodeRegistrationOptionsTests
{
    [Fact]
    public void Defaults_with_a_cluster_are_valid_and_renew_every_10s_with_a_40s_lease()
    {
        var options = new NodeRegistrationOptions { Cluster = "prod-eu" };

        options.Validate(new NodeAgentOptions { NodeName = "host-1" }).Should().BeEmpty();
        options.RenewInterval.Should().Be(TimeSpan.FromSeconds(10));
        options.LeaseDuration.Should().Be(TimeSpan.FromSeconds(40));
        options.LeaseNamespace.Should().Be("supercloud-system");
        options.EffectiveAgentEndpoint(new NodeAgentOptions { NodeName = "host-1", Port = 7443 }).Should().Be("host-1:7443");
    }

    [Theory]
    [InlineData("Cluster", "", "Kubernetes:Cluster is required")]
    [InlineData("Cluster", "Prod_EU", "Kubernetes:Cluster must be a lowercase DNS subdomain, got 'Prod_EU'")]
    [InlineData("AgentEndpoint", "host-1", "Kubernetes:AgentEndpoint must be host:port, got 'host-1'")]
    [InlineData("UnderlayIp", "fe80::1", "Kubernetes:UnderlayIp must be an IPv4 address, got 'fe80::1'")]
    [InlineData("Accelerator", "hvf", "Kubernetes:Accelerator must be 'tcg' or 'kvm', got 'hvf'")]
    [InlineData("LeaseNamespace", "Supercloud", "Kubernetes:LeaseNamespace must be a namespace name, got 'Supercloud'")]
    public void Bad_values_are_reported_with_the_setting_name(string property, string value, string error)
    {
        var options = new NodeRegistrationOptions { Cluster = "prod-eu" };
        typeof(NodeRegistrationOptions).GetProperty(property)!.SetValue(options, value);

        options.Validate(new NodeAgentOptions { NodeName = "host-1" }).Should().ContainSingle().Which.Should().StartWith(error);
    }

    [Fact]
    public void A_lease_shorter_than_the_renew_interval_is_rejected()
    {
        var options = new NodeRegistrationOptions { Cluster = "c", RenewInterval = TimeSpan.FromSeconds(30), LeaseDuration = TimeSpan.FromSeconds(20) };

        options.Validate(new NodeAgentOptions { NodeName = "host-1" }).Should().ContainSingle()
            .Which.Should().StartWith("Kubernetes:LeaseDuration must be at least 1 s and longer than Kubernetes:RenewInterval");
    }

    [Theory]
    [InlineData("NodeName", "Host_1", "NodeAgent:NodeName must be a lowercase DNS subdomain")]
    [InlineData("Region", "eu west", "NodeAgent:Region must be a label value")]
    public void Agent_settings_that_name_or_label_the_SuperNode_are_checked(string property, string value, string error)
    {
        var agent = new NodeAgentOptions { NodeName = "host-1" };
        typeof(NodeAgentOptions).GetProperty(property)!.SetValue(agent, value);

        new NodeRegistrationOptions { Cluster = "c" }.Validate(agent).Should().ContainSingle().Which.Should().StartWith(error);
    }

    [Fact]
    public void A_missing_kubeconfig_file_is_named_in_the_error()
    {
        var act = () => NodeRegistrationSetup.ClientConfiguration(new NodeRegistrationOptions { Kubeconfig = "/nonexistent/kubeconfig" });

        act.Should().Throw<FileNotFoundException>().WithMessage("Kubernetes:Kubeconfig: file '/nonexistent/kubeconfig' does not exist");
    }

    [SkippableFact]
    public void Without_kubeconfig_and_outside_a_cluster_registration_is_off()
    {
        Skip.If(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null, "running inside a Kubernetes pod");

        NodeRegistrationSetup.ClientConfiguration(new NodeRegistrationOptions()).Should().BeNull();
    }
}
