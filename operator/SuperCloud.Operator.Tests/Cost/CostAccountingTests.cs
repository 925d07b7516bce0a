using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Cost;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Cost;

public sealed class CostAccountingTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ObjectKey Key = new("default", "web");
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Fact]
    public void Spot_host_is_priced_at_spot_and_compared_with_on_demand_for_the_pods_vcpus_and_memory()
    {
        var rate = CostRate.For(Pod("2", "4Gi"), Node(spot: true), Cluster(onDemand: ("0.05", "0.01"), spot: ("0.02", "0.002")));

        rate.Capacity.Should().Be(CapacityType.Spot);
        rate.PerHour.Should().Be((2 * 0.02m) + (4 * 0.002m));
        rate.OnDemandPerHour.Should().Be((2 * 0.05m) + (4 * 0.01m));
        rate.Currency.Should().Be("USD");
    }

    [Fact]
    public void Observed_provider_prices_override_spec_pricing_while_present()
    {
        var cluster = Cluster(onDemand: ("0.05", "0.01"), spot: ("0.02", "0.002"));
        var observedAt = Start.UtcDateTime.AddMinutes(-1);
        cluster.Status = new SuperClusterStatus
        {
            Prices = new ObservedPrices { Spot = new PriceRates { PerVcpuHour = "0.03", PerGiBHour = "0.001" }, ObservedTime = observedAt },
        };

        var rate = CostRate.For(Pod("1", "1Gi"), Node(spot: true), cluster);

        rate.PerHour.Should().Be(0.031m);
        rate.OnDemandPerHour.Should().Be(0.06m, "the feed published no on-demand price, so spec.pricing's holds");
        rate.ObservedSince.Should().Be(observedAt);
    }

    [Fact]
    public void Spot_host_in_a_cluster_without_a_spot_price_is_priced_on_demand()
    {
        var rate = CostRate.For(Pod("1", "1Gi"), Node(spot: true), Cluster(onDemand: ("0.05", "0.01")));

        rate.Capacity.Should().Be(CapacityType.Spot);
        rate.PerHour.Should().Be(0.06m);
    }

    [Theory]
    [InlineData(SuperPodPhase.Pending)]
    [InlineData(SuperPodPhase.Stopped)]
    [InlineData(SuperPodPhase.Failed)]
    public void SuperPod_that_runs_nowhere_costs_nothing(SuperPodPhase phase)
    {
        var pod = Pod("1", "1Gi");
        pod.Status!.Phase = phase;

        var rate = CostRate.For(pod, Node(spot: false), Cluster(onDemand: ("0.05", "0.01")));

        rate.PerHour.Should().Be(0);
        rate.OnDemandPerHour.Should().Be(0);
        rate.Capacity.Should().BeNull();
    }

    [Fact]
    public void Each_period_is_charged_at_the_rate_in_force_then()
    {
        var time = new FakeTimeProvider(Start);
        var accounts = new CostAccounts();
        var cheap = new CostRate("USD", 0.02m, CapacityType.Spot, 0.06m);
        var dear = new CostRate("USD", 0.05m, CapacityType.Spot, 0.06m);

        var status = Write(accounts, null, cheap, time);
        time.Advance(TimeSpan.FromHours(1));
        status = Write(accounts, status, cheap, time);
        time.Advance(TimeSpan.FromMinutes(30));
        status = Write(accounts, status, dear, time);
        time.Advance(TimeSpan.FromMinutes(30));
        status = Write(accounts, status, dear, time);

        status.Accumulated.Should().Be("0.055", "1 h at 0.02, then 30 min at 0.02 before the change was seen, then 30 min at 0.05");
        status.OnDemandAccumulated.Should().Be("0.12");
        status.RatePerHour.Should().Be("0.05");
        status.Since.Should().Be(Start.UtcDateTime);
        status.LastUpdated.Should().Be(time.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public void Spot_price_change_counts_from_when_the_feed_observed_it()
    {
        var time = new FakeTimeProvider(Start);
        var accounts = new CostAccounts();
        var status = Write(accounts, null, new CostRate("USD", 0.02m, CapacityType.Spot, 0.06m), time);
        time.Advance(TimeSpan.FromMinutes(50));
        var observed = Start.UtcDateTime.AddMinutes(20);

        status = Write(accounts, status, new CostRate("USD", 0.08m, CapacityType.Spot, 0.06m, observed), time);

        status.Accumulated.Should().Be("0.046667", "20 min at 0.02 until the feed saw 0.08, then 30 min at 0.08");
        status.LastUpdated.Should().Be(time.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public void Unchanged_rate_is_written_at_most_once_per_interval()
    {
        var time = new FakeTimeProvider(Start);
        var accounts = new CostAccounts();
        var rate = new CostRate("USD", 0.02m, CapacityType.OnDemand, 0.02m);
        var status = Write(accounts, null, rate, time);

        time.Advance(TimeSpan.FromSeconds(20));
        var early = accounts.Step(Key, status, Start.UtcDateTime, rate, time.GetUtcNow().UtcDateTime, Interval);
        var changed = accounts.Step(Key, status, Start.UtcDateTime, rate with { PerHour = 0.03m }, time.GetUtcNow().UtcDateTime, Interval);
        time.Advance(TimeSpan.FromSeconds(40));
        var due = accounts.Step(Key, status, Start.UtcDateTime, rate, time.GetUtcNow().UtcDateTime, Interval);

        early.Write.Should().BeFalse();
        early.Next.Should().Be(TimeSpan.FromSeconds(40));
        due.Write.Should().BeTrue();
        changed.Write.Should().BeTrue("a new rate is written at once");
    }

    [Fact]
    public void Small_rate_written_every_few_seconds_loses_nothing_to_rounding()
    {
        var time = new FakeTimeProvider(Start);
        var accounts = new CostAccounts();
        var rate = new CostRate("USD", 0.0001m, CapacityType.Spot, 0.0009m);
        var status = Write(accounts, null, rate, time);
        for (var i = 0; i < 720; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            status = Write(accounts, status, rate, time, TimeSpan.FromSeconds(5));
        }

        status.Accumulated.Should().Be("0.0001", "one hour at 0.0001/h, in 720 writes of 0.00000014 each");
        status.OnDemandAccumulated.Should().Be("0.0009");
    }

    [Fact]
    public void Account_resumes_from_status_after_an_operator_restart()
    {
        var time = new FakeTimeProvider(Start);
        var rate = new CostRate("USD", 0.5m, CapacityType.OnDemand, 0.5m);
        var status = Write(new CostAccounts(), null, rate, time);
        time.Advance(TimeSpan.FromHours(2));
        status = Write(new CostAccounts(), status, rate, time);

        // The operator was down for an hour; the new replica knows only the status, and the rate in force there.
        time.Advance(TimeSpan.FromHours(1));
        status = Write(new CostAccounts(), status, rate with { PerHour = 0.25m }, time);

        status.Accumulated.Should().Be("1.5", "3 h at the rate the status recorded, which held until the change was seen");
        status.Since.Should().Be(Start.UtcDateTime);
    }

    [Fact]
    public void Status_amounts_match_the_crd_price_pattern()
    {
        CostLedger.Format(0m).Should().Be("0");
        CostLedger.Format(1.23456789m).Should().Be("1.234568");
        CostLedger.Format(12m).Should().Be("12");
        CostLedger.Format(0.0000004m).Should().Be("0");
    }

    private static CostStatus Write(CostAccounts accounts, CostStatus? status, CostRate rate, TimeProvider time, TimeSpan? interval = null)
    {
        var step = accounts.Step(Key, status, Start.UtcDateTime, rate, time.GetUtcNow().UtcDateTime, interval ?? Interval);
        if (!step.Write)
        {
            return status!;
        }

        accounts.Set(Key, step.Ledger);

        // Through JSON, as the API server keeps it.
        return k8s.KubernetesJson.Deserialize<CostStatus>(k8s.KubernetesJson.Serialize(step.Ledger.ToStatus()));
    }

    private static SuperPod Pod(string cpu, string memory) => new()
    {
        Metadata = new V1ObjectMeta { Name = Key.Name, NamespaceProperty = Key.Namespace },
        Spec = new SuperPodSpec { Resources = new SuperPodResources { Cpu = new ResourceQuantity(cpu), Memory = new ResourceQuantity(memory) }, Boot = new BootSource { Image = "supercloud/test-guest:latest" } },
        Status = new SuperPodStatus { Phase = SuperPodPhase.Running, Node = "n1", Cluster = "c1" },
    };

    private static SuperNode Node(bool spot) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1" },
        Spec = new SuperNodeSpec { Cluster = "c1", AgentEndpoint = "10.0.0.1:9443", Spot = spot },
    };

    private static SuperCluster Cluster((string Cpu, string Mem) onDemand, (string Cpu, string Mem)? spot = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "c1" },
        Spec = new SuperClusterSpec
        {
            Provider = CloudProvider.Aws,
            Region = "us-east-1",
            Pricing = new Pricing
            {
                OnDemand = new PriceRates { PerVcpuHour = onDemand.Cpu, PerGiBHour = onDemand.Mem },
                Spot = spot is { } s ? new PriceRates { PerVcpuHour = s.Cpu, PerGiBHour = s.Mem } : null,
            },
        },
    };
}
