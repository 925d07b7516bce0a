using System.Collections.Concurrent;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Two KubernetesClient LeaderElectors with LeaseLocks on one Lease: one leads, the other takes over.</summary>
public sealed class LeaderElectionTests : IAsyncLifetime
{
    // Generous on purpose: on a loaded 2-core machine a 1 s renew deadline can lapse and hand the lease over while
    // the first elector is still alive, failing the exclusivity check for the wrong reason. The electors never release
    // the lease on stop, so the takeover waits out one LeaseDuration.
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(withWidgets: false);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private LeaderElector Elector(string identity) =>
        new(new LeaderElectionConfig(new LeaseLock(_cluster.Client, "default", "lab-leader", identity))
        {
            LeaseDuration = LeaseDuration,
            RenewDeadline = TimeSpan.FromSeconds(6),
            RetryPeriod = TimeSpan.FromMilliseconds(250),
        });

    [Fact]
    public async Task Only_one_elector_leads_and_the_other_takes_over_after_it_stops()
    {
        using var first = Elector("first");
        using var second = Elector("second");
        var started = new ConcurrentQueue<string>();
        var firstLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondSawFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first.OnStartedLeading += () =>
        {
            started.Enqueue("first");
            firstLeads.TrySetResult();
        };
        second.OnStartedLeading += () =>
        {
            started.Enqueue("second");
            secondLeads.TrySetResult();
        };
        second.OnNewLeader += leader =>
        {
            if (leader == "first")
            {
                secondSawFirst.TrySetResult();
            }
        };
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();

        var firstRun = first.RunUntilLeadershipLostAsync(stopFirst.Token);
        await firstLeads.Task.WaitAsync(Deadline);
        var secondRun = second.RunUntilLeadershipLostAsync(stopSecond.Token);
        await secondSawFirst.Task.WaitAsync(Deadline);

        // While the first renews, the second must never lead: wait until the first has renewed twice with the second
        // contending, checking the Lease's holder and the second's callbacks on every observation.
        var contended = await ReadLeaseAsync();
        contended.Spec.HolderIdentity.Should().Be("first");
        var renewals = 0;
        var lastRenew = contended.Spec.RenewTime;
        await TestCluster.EventuallyAsync(async () =>
        {
            var lease = await ReadLeaseAsync();
            lease.Spec.HolderIdentity.Should().Be("first", "the first elector still renews");
            secondLeads.Task.IsCompleted.Should().BeFalse("the second must not lead while the first renews");
            if (lease.Spec.RenewTime != lastRenew)
            {
                renewals++;
                lastRenew = lease.Spec.RenewTime;
            }

            return renewals >= 2;
        }, "the first elector renews while the second contends", Deadline);
        first.IsLeader().Should().BeTrue();
        second.IsLeader().Should().BeFalse();

        await stopFirst.CancelAsync();
        await FluentActions.Awaiting(() => firstRun).Should().NotThrowAsync<InvalidOperationException>();
        await secondLeads.Task.WaitAsync(Deadline);
        (await ReadLeaseAsync()).Spec.HolderIdentity.Should().Be("second");
        second.IsLeader().Should().BeTrue();
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

    private Task<V1Lease> ReadLeaseAsync() => _cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("lab-leader", "default");
}
