using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

/// <summary>Two operator replicas (informer + leader election + controller) against one lab API server.</summary>
public sealed class LeaderFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(4);
    private LabServer _lab = null!;
    private ResourceClient<Widget> _widgets = null!;

    public async Task InitializeAsync()
    {
        _lab = await LabServer.StartAsync();
        await _lab.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Widget.Definition());
        _widgets = new ResourceClient<Widget>(_lab.Client);
        await Eventually.UntilAsync(() => CanList(), "the Widget CRD is served");
        for (var i = 0; i < 4; i++)
        {
            await _widgets.CreateAsync(
                new Widget { Metadata = new V1ObjectMeta { Name = $"w-{i}", NamespaceProperty = _lab.Namespace } }, CancellationToken.None);
        }
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task One_replica_writes_at_a_time_and_the_standby_takes_over_within_the_lease_duration()
    {
        await using var a = new Replica(this, "replica-a");
        await using var b = new Replica(this, "replica-b");
        using var watchdog = new CancellationTokenSource();
        var bothLed = false;
        var sampler = Task.Run(async () =>
        {
            while (!watchdog.IsCancellationRequested)
            {
                bothLed |= a.Election.IsLeader && b.Election.IsLeader;
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);

        a.Start();
        await Eventually.UntilAsync(() => a.Election.IsLeader, "a leads");
        b.Start();
        await Eventually.UntilAsync(() => b.Election.CurrentLeader == a.Identity, "b observed a as the leader");
        await Eventually.UntilAsync(() => Writes(a).Count >= 8, "a reconciles and writes");
        b.Election.IsLeader.Should().BeFalse();
        Writes(b).Should().BeEmpty("a standby does not write");

        var stopped = Stopwatch.StartNew();
        await a.StopAsync();
        await Eventually.UntilAsync(() => b.Election.IsLeader, "b took over", LeaseDuration);
        stopped.Elapsed.Should().BeLessThan(LeaseDuration);
        await Eventually.UntilAsync(() => Writes(b).Count >= 8, "b continues the work");
        await Eventually.UntilAsync(
            () => Phases().All(p => p.StartsWith(b.Identity, StringComparison.Ordinal)), "every widget was reconciled by b");
        await b.StopAsync();
        await watchdog.CancelAsync();
        await sampler;

        bothLed.Should().BeFalse("exactly one replica leads at any time");
        var writesA = Writes(a);
        var writesB = Writes(b);
        var overlaps = writesA.SelectMany(x => writesB.Where(y => x.Started < y.Ended && y.Started < x.Ended).Select(y => (x, y))).ToList();
        overlaps.Should().BeEmpty("the API server never saw writes of both replicas at once");
        writesB.Min(w => w.Started).Should().BeAfter(writesA.Max(w => w.Ended), "the new leader writes only after the old leader's last write");
    }

    /// <summary>The replica's object writes as the API server logged them (lease renewals are the election itself, not work).</summary>
    private List<RequestLog.Entry> Writes(Replica replica) =>
        [.. _lab.Server.Requests.Snapshot().Where(r =>
            r.IsWrite && r.UserAgent == $"{UserAgentHandler.Product}/{replica.Identity}" && !r.Path.Contains("/leases", StringComparison.Ordinal))];

    private List<string> Phases() =>
        [.. _widgets.ListAsync(_lab.Namespace, null, null, null, null, null, CancellationToken.None).GetAwaiter().GetResult().Items
            .Select(w => w.Status?.Phase ?? string.Empty)];

    private bool CanList()
    {
        try
        {
            _widgets.ListAsync(_lab.Namespace, null, null, null, null, null, CancellationToken.None).GetAwaiter().GetResult();
            return true;
        }
        catch (KubernetesApiException)
        {
            return false;
        }
    }

    /// <summary>One operator process: its own client (identified by User-Agent), a warm informer, and a controller run only while leading.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private readonly Kubernetes _client;
        private readonly Informer<Widget> _informer;
        private readonly Controller<Widget> _controller;
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        public Replica(LeaderFailoverTests test, string identity)
        {
            Identity = identity;
            var server = test._lab.Server;
            _client = new Kubernetes(
                new KubernetesClientConfiguration { Host = server.BaseAddress.GetLeftPart(UriPartial.Authority), AccessToken = LabApiServer.ContextName },
                new UserAgentHandler(identity));
            var widgets = new ResourceClient<Widget>(_client);
            var metrics = new OperatorMetrics(Metrics.NewCustomRegistry());
            _informer = new Informer<Widget>(
                widgets, new InformerOptions { Namespace = test._lab.Namespace }, TimeProvider.System, NullLogger<Informer<Widget>>.Instance);
            _controller = new Controller<Widget>(
                "widgets", _informer, new StampingReconciler(widgets, identity), new ControllerOptions { Workers = 2 }, metrics, TimeProvider.System,
                NullLogger<Controller<Widget>>.Instance);
            Election = new LeaderElection(
                _client,
                new LeaderElectionOptions
                {
                    Namespace = test._lab.Namespace,
                    LeaseName = "operator",
                    Identity = identity,
                    LeaseDuration = LeaseDuration,
                    RenewDeadline = TimeSpan.FromSeconds(3),
                    RetryPeriod = TimeSpan.FromMilliseconds(200),
                },
                metrics,
                NullLogger<LeaderElection>.Instance);
        }

        public string Identity { get; }

        public LeaderElection Election { get; }

        public void Start()
        {
            var informer = _informer.RunAsync(_stop.Token);
            var election = Election.RunAsync(_controller.RunAsync, _stop.Token);
            _run = Task.WhenAll(informer, election);
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _controller.Dispose();
            _client.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Stamps status.phase with the replica and a counter every 100 ms, so a leader writes continuously.</summary>
    private sealed class StampingReconciler(ResourceClient<Widget> widgets, string identity) : IReconciler
    {
        private int _count;

        public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            var phase = $"{identity}-{Interlocked.Increment(ref _count)}";
            try
            {
                await widgets.PatchAsync(key, $"{{\"status\":{{\"phase\":\"{phase}\"}}}}", ResourceClient<Widget>.MergePatch, "status", cancellationToken);
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                return ReconcileResult.Done;
            }

            return ReconcileResult.After(TimeSpan.FromMilliseconds(100));
        }
    }
}
