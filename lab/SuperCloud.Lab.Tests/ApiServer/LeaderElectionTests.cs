using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Two KubernetesClient LeaderElectors with LeaseLocks on one Lease: one leads, the other takes over.</summary>
public sealed class LeaderElectionTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(withWidgets: false);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private LeaderElector Elector(string identity) =>
        new(new LeaderElectionConfig(new LeaseLock(_cluster.Client, "default", "lab-leader", identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });

    [Fact]
    public async Task Only_one_elector_leads_and_the_other_takes_over_after_it_stops()
    {
        using var first = Elector("first");
        using var second = Elector("second");
        var started = new System.Collections.Concurrent.ConcurrentQueue<string>();
        first.OnStartedLeading += () => started.Enqueue("first");
        second.OnStartedLeading += () => started.Enqueue("second");
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();

        var firstRun = first.RunUntilLeadershipLostAsync(stopFirst.Token);
        await TestCluster.EventuallyAsync(() => Task.FromResult(first.IsLeader()), "the first elector leads");
        var secondRun = second.RunUntilLeadershipLostAsync(stopSecond.Token);

        // While the first renews, the second must never lead.
        for (var i = 0; i < 10; i++)
        {
            first.IsLeader().Should().BeTrue();
            second.IsLeader().Should().BeFalse();
            await Task.Delay(100);
        }

        await stopFirst.CancelAsync();
        await FluentActions.Awaiting(() => firstRun).Should().NotThrowAsync<InvalidOperationException>();
        await TestCluster.EventuallyAsync(() => Task.FromResult(second.IsLeader()), "the second elector takes over", TimeSpan.FromSeconds(15));
        var lease = await _cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("lab-leader", "default");
        lease.Spec.HolderIdentity.Should().Be("second");
        started.Should().Equal("first", "second");
        await stopSecond.CancelAsync();
        try
        {
            await secondRun;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
    }
}
