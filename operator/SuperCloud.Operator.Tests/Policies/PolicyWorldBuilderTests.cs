using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;
using SuperCloud.Operator.Policies;

namespace SuperCloud.Operator.Tests.Policies;

/// <summary>The engine's inputs from API objects: observed prices over configured ones, billing anchors, measured history, the most specific policy.</summary>
public sealed class PolicyWorldBuilderTests
{
    private static SuperCluster Cluster(ObservedPrices? observed) => new()
    {
        Metadata = new V1ObjectMeta { Name = "aws-us-east-1" },
        Spec = new SuperClusterSpec
        {
            Provider = CloudProvider.Aws, Region = "us-east-1",
            Pricing = new Pricing
            {
                BillingPeriod = "90s",
                Spot = new PriceRates { PerVcpuHour = "0.01", PerGiBHour = "0.001" },
                OnDemand = new PriceRates { PerVcpuHour = "0.04", PerGiBHour = "0.004" },
            },
        },
        Status = new SuperClusterStatus { Prices = observed },
    };

    [Fact]
    public void Observed_prices_override_the_configured_ones_while_present()
    {
        var configured = PolicyWorldBuilder.Cluster(Cluster(null));
        var observed = PolicyWorldBuilder.Cluster(Cluster(new ObservedPrices { Spot = new PriceRates { PerVcpuHour = "0.002", PerGiBHour = "0" } }));

        configured.Spot!.PerVcpuHour.Should().Be(0.01m);
        configured.BillingPeriod.Should().Be(TimeSpan.FromSeconds(90));
        observed.Spot!.PerVcpuHour.Should().Be(0.002m);
        observed.OnDemand!.PerVcpuHour.Should().Be(0.04m, "the feed published no on-demand rates, so the configured ones stay");
    }

    [Fact]
    public void A_bad_observed_price_names_its_field()
    {
        var build = () => PolicyWorldBuilder.Cluster(Cluster(new ObservedPrices { Spot = new PriceRates { PerVcpuHour = "-1", PerGiBHour = "0" } }));

        build.Should().Throw<ArgumentException>().WithMessage("*status.prices.spot.perVcpuHour*");
    }

    [Fact]
    public void A_superpods_billing_periods_count_from_its_last_migration_else_from_when_it_became_ready()
    {
        var ready = new DateTime(2026, 3, 2, 10, 0, 0, DateTimeKind.Utc);
        var pod = new SuperPod
        {
            Metadata = new V1ObjectMeta { Name = "vm", NamespaceProperty = "default", CreationTimestamp = ready.AddMinutes(-5) },
            Spec = new SuperPodSpec { Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("1Gi") }, Boot = new BootSource { Image = "vm" } },
            Status = new SuperPodStatus { Conditions = [new V1Condition { Type = "Ready", Status = "True", LastTransitionTime = ready, Reason = "Running" }] },
        };

        PolicyWorldBuilder.BillingAnchor(pod).Should().Be(ready);
        pod.Status.LastMigration = new MigrationRecord { Phase = MigrationPhase.Succeeded, CompletionTime = ready.AddMinutes(30) };
        PolicyWorldBuilder.BillingAnchor(pod).Should().Be(ready.AddMinutes(30));
    }

    [Fact]
    public void Among_policies_of_equal_priority_the_most_specific_selector_wins()
    {
        static MigrationPolicy Policy(string name, int labels) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new MigrationPolicySpec
            {
                Triggers = new MigrationTriggers { SpotInterruption = new SpotInterruptionTrigger() },
                Selectors = new MigrationPolicySelectors
                {
                    SuperPodSelector = new V1LabelSelector { MatchLabels = Enumerable.Range(0, labels).ToDictionary(i => $"k{i}", i => "v") },
                },
            },
        };
        var pod = new SuperPod
        {
            Metadata = new V1ObjectMeta { Name = "vm", Labels = new Dictionary<string, string> { ["k0"] = "v", ["k1"] = "v" } },
            Spec = new SuperPodSpec { Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("1Gi") }, Boot = new BootSource { Image = "vm" } },
        };

        MigrationLimitsResolver.PolicyFor(pod, null, [Policy("a-broad", 0), Policy("b-narrow", 2), Policy("c-mid", 1)])!.Metadata.Name.Should().Be("b-narrow");
    }
}
