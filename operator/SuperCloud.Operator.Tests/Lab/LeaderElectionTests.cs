using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

public sealed class LeaderElectionTests : IAsyncLifetime
{
    private LabServer _lab = null!;

    public async Task InitializeAsync() => _lab = await LabServer.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task Only_one_candidate_leads_and_the_standby_takes_over_when_the_leader_shuts_down()
    {
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        // Generous timing: under a loaded machine a missed renewal must not pass for the shutdown under test.
        var a = new Candidate(this, "a", TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3));
        var b = new Candidate(this, "b", TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3));

        var runA = a.RunAsync(stopA.Token);
        await Eventually.UntilAsync(() => a.Election.IsLeader && a.Started is not null, "a leads");
        var runB = b.RunAsync(stopB.Token);
        await Eventually.UntilAsync(() => b.Election.CurrentLeader == "a", "b observed a as the leader");
        b.Election.IsLeader.Should().BeFalse();
        b.Started.Should().BeNull("a standby runs no workers");

        await stopA.CancelAsync();
        (await runA.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeFalse("a shut down rather than lost the lease");
        await Eventually.UntilAsync(() => b.Election.IsLeader && b.Started is not null, "b took over", TimeSpan.FromSeconds(8));

        a.Stopped.Should().NotBeNull();
        b.Started.Should().BeOnOrAfter(a.Stopped!.Value, "the old leader's workers stop before the new leader's start");
        await stopB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Leader_that_cannot_renew_stops_its_workers_before_the_standby_starts()
    {
        using var stopB = new CancellationTokenSource();
        var a = new Candidate(this, "a", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        var b = new Candidate(this, "b", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        var runA = a.RunAsync(CancellationToken.None);
        await Eventually.UntilAsync(() => a.Election.IsLeader && a.Started is not null, "a leads");
        var runB = b.RunAsync(stopB.Token);
        await Eventually.UntilAsync(() => b.Election.CurrentLeader == "a", "b observed a as the leader");

        // Renewals of the lease fail from now on: a must give up within its renew deadline.
        _lab.Faults.FailNext(10_000, 500, "/leases/", "update");
        (await runA.WaitAsync(TimeSpan.FromSeconds(8))).Should().BeTrue("a lost the lease");
        a.Election.IsLeader.Should().BeFalse();
        a.Stopped.Should().NotBeNull();
        _lab.Faults.Reset();

        await Eventually.UntilAsync(() => b.Election.IsLeader && b.Started is not null, "b took over after the lease expired", TimeSpan.FromSeconds(8));
        b.Started.Should().BeOnOrAfter(a.Stopped!.Value);
        await stopB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Invalid_timing_is_rejected_naming_the_setting()
    {
        var options = new LeaderElectionOptions { LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(3) };

        var act = options.Validate;

        act.Should().Throw<ArgumentException>().WithMessage("*RenewDeadline*");
    }

    private sealed class Candidate(LeaderElectionTests test, string identity, TimeSpan leaseDuration, TimeSpan renewDeadline)
    {
        public LeaderElection Election { get; } = new(
            LabServer.NewClient(test._lab.Server),
            new LeaderElectionOptions
            {
                Namespace = test._lab.Namespace,
                LeaseName = "operator",
                Identity = identity,
                LeaseDuration = leaseDuration,
                RenewDeadline = renewDeadline,
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            },
            new OperatorMetrics(Metrics.NewCustomRegistry()),
            NullLogger<LeaderElection>.Instance);

        private long _started;
        private long _stopped;

        public DateTime? Started => Read(ref _started);

        public DateTime? Stopped => Read(ref _stopped);

        public Task<bool> RunAsync(CancellationToken cancellationToken) => Election.RunAsync(
            async ct =>
            {
                Interlocked.Exchange(ref _started, DateTime.UtcNow.Ticks);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                finally
                {
                    Interlocked.Exchange(ref _stopped, DateTime.UtcNow.Ticks);
                }
            },
            cancellationToken);

        private static DateTime? Read(ref long ticks) =>
            Interlocked.Read(ref ticks) is var value and not 0 ? new DateTime(value, DateTimeKind.Utc) : null;
    }
}
