using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>A SuperPod's status.cost in the lab: its rate where it runs, what it has cost, and a spot price change taking effect.</summary>
[Collection(UserFacingLabs.Name)]
public sealed class CostAccountingTests(UserFacingLab lab, ITestOutputHelper output)
{
    // USD per m5.large-hour: the lab's spot price, and the one the test moves the market to.
    private const string LabSpotPrice = "0.0288";
    private const string ChangedSpotPrice = "0.2";

    [SkippableFact]
    public async Task Spot_price_change_in_the_lab_changes_a_superpods_rate_from_then_on()
    {
        Skip.If(lab.SkipReason is not null, lab.SkipReason);
        var pod = new Roamer(lab.Fixture, "thrifty", output);
        try
        {
            var node = await pod.StartAsync("    clusters: [aws-us-east-1]\n    spot: Required\n");
            // The rate is the price feed's (status.prices, from the lab's EC2 spot price history), else the declared one.
            var before = Rate(await SpotPricesAsync());
            var cost = await UntilCostAsync(c => c?["capacity"]?.GetValue<string>() == "Spot" && Decimal(c["ratePerHour"]) == decimal.Round(before, 6), $"thrifty is charged the spot rate {before}/h on {node}");
            output.WriteLine($"on {node}: {cost.ToJsonString()}");

            // The spot market moves: the lab's EC2 answers a new price, the operator's price feed writes it.
            await lab.Lab.LabAsync("spot", "--cloud", "aws-us-east-1", "--price", ChangedSpotPrice);
            JsonNode? changed = null;
            await lab.Lab.UntilAsync(async () => Rate(changed = await SpotPricesAsync()) != before, "the price feed writes the new spot price to the SuperCluster", TimeSpan.FromSeconds(60));
            var after = Rate(changed!);
            output.WriteLine($"spot price {ChangedSpotPrice}/instance-hour: {changed!.ToJsonString()}, thrifty's rate {before}/h -> {after}/h");

            var first = await UntilCostAsync(c => Decimal(c?["ratePerHour"]) == decimal.Round(after, 6), $"thrifty's rate becomes {after}/h");
            var second = await UntilCostAsync(
                c => c?["lastUpdated"] is { } t && t.GetValue<DateTime>() - first["lastUpdated"]!.GetValue<DateTime>() >= TimeSpan.FromSeconds(10),
                "the cost is accounted at least 10 s further", TimeSpan.FromSeconds(60));
            var hours = (decimal)(second["lastUpdated"]!.GetValue<DateTime>() - first["lastUpdated"]!.GetValue<DateTime>()).TotalHours;
            var charged = Decimal(second["accumulated"]) - Decimal(first["accumulated"]);
            var onDemand = Decimal(second["onDemandAccumulated"]) - Decimal(first["onDemandAccumulated"]);
            output.WriteLine($"after the change: {charged} over {hours * 3600:0} s = {charged / hours:0.0000}/h (rate {after}/h); on-demand {onDemand / hours:0.0000}/h");
            (charged / hours).Should().BeApproximately(after, after * 0.001m + 0.001m, "every second after the change is charged at the new spot price");
            Decimal(second["accumulated"]).Should().BeGreaterThan(Decimal(cost["accumulated"]));

            // kubectl shows it: the Cost column of -o wide, and the cluster's total.
            var wide = await lab.Lab.MustAsync("get", "sp", "thrifty", "-n", "default", "-o", "wide");
            output.WriteLine(wide.Stdout);
            wide.Stdout.Should().Contain("COST").And.Contain("RATE/H");
            var clusterCost = (await lab.Lab.GetAsync("supercluster", "aws-us-east-1"))!["status"]!["cost"];
            Decimal(clusterCost?["ratePerHour"]).Should().BeGreaterThanOrEqualTo(after, "the cluster's rate includes thrifty's");
            var metrics = await lab.MetricsAsync();
            metrics.Should().Contain("supercloud_superpod_cost_rate_per_hour{namespace=\"default\",name=\"thrifty\"")
                .And.Contain("supercloud_supercluster_cost_accumulated{supercluster=\"aws-us-east-1\"");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await Commands.RunAsync(RepoPaths.LabCli, ["spot", "--data-dir", lab.Lab.DataDir, "--cloud", "aws-us-east-1", "--price", LabSpotPrice]);
            await pod.DeleteAsync();
        }

        async Task<JsonNode> UntilCostAsync(Func<JsonNode?, bool> condition, string what, TimeSpan? timeout = null)
        {
            JsonNode? cost = null;
            await lab.Lab.UntilAsync(
                async () =>
                {
                    cost = (await pod.PodAsync())?["status"]?["cost"];
                    return condition(cost);
                },
                what,
                timeout ?? TimeSpan.FromSeconds(60));
            return cost!;
        }
    }

    // The spot unit prices that apply to aws-us-east-1 now: the price feed's, else the declared ones.
    private async Task<JsonNode> SpotPricesAsync()
    {
        var cluster = (await lab.Lab.GetAsync("supercluster", "aws-us-east-1"))!;
        return cluster["status"]?["prices"]?["spot"] ?? cluster["spec"]!["pricing"]!["spot"]!;
    }

    // 1 vCPU and 128Mi at the given unit prices.
    private static decimal Rate(JsonNode spot) => Rate(spot["perVcpuHour"]!.GetValue<string>(), spot["perGiBHour"]!.GetValue<string>());

    private static decimal Rate(string perVcpu, string perGiB) =>
        decimal.Parse(perVcpu, CultureInfo.InvariantCulture) + (decimal.Parse(perGiB, CultureInfo.InvariantCulture) / 8);

    private static decimal Decimal(JsonNode? value) =>
        value is null ? 0 : decimal.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture);
}
