using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

public sealed class InformerResyncTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly FakeTimeProvider _clock = new();
    private readonly ConcurrentQueue<string> _updates = new();
    private LabServer _lab = null!;
    private Task _run = Task.CompletedTask;

    public async Task InitializeAsync() => _lab = await LabServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(5));
        await _lab.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    [Fact]
    public async Task Resync_redelivers_every_cached_object_as_an_unchanged_update_each_period()
    {
        await _lab.CreateConfigMapAsync("a");
        await _lab.CreateConfigMapAsync("b");
        var informer = Start(TimeSpan.FromSeconds(30));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        _clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        _updates.Should().BeEmpty("the period has not elapsed");

        await Eventually.UntilAsync(
            () =>
            {
                // The resync timer may be armed a moment after the sync completes: keep nudging the clock a second at a time.
                _clock.Advance(TimeSpan.FromSeconds(1));
                return informer.ResyncCount >= 1;
            },
            "the first resync ran");
        _updates.Should().BeEquivalentTo("a same", "b same");
    }

    [Fact]
    public async Task Resync_is_off_by_default()
    {
        await _lab.CreateConfigMapAsync("a");
        var informer = Start(null);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        _clock.Advance(TimeSpan.FromHours(10));
        await Task.Delay(100);

        new InformerOptions().ResyncPeriod.Should().BeNull();
        informer.ResyncCount.Should().Be(0);
        _updates.Should().BeEmpty();
    }

    [Fact]
    public void Resync_period_below_one_second_is_rejected_naming_the_setting()
    {
        var act = () => new Informer<V1ConfigMap>(
            new ResourceClient<V1ConfigMap>(_lab.Client), new InformerOptions { ResyncPeriod = TimeSpan.FromMilliseconds(100) },
            _clock, NullLogger<Informer<V1ConfigMap>>.Instance);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("ResyncPeriod");
    }

    private Informer<V1ConfigMap> Start(TimeSpan? resync)
    {
        var informer = new Informer<V1ConfigMap>(
            new ResourceClient<V1ConfigMap>(_lab.Client),
            new InformerOptions { Namespace = _lab.Namespace, ResyncPeriod = resync },
            _clock,
            NullLogger<Informer<V1ConfigMap>>.Instance);
        informer.AddHandler(new ResourceEventHandler<V1ConfigMap>(
            OnUpdate: (old, current) => _updates.Enqueue(current.Metadata.Name + (ReferenceEquals(old, current) ? " same" : " changed"))));
        _run = informer.RunAsync(_stop.Token);
        return informer;
    }
}
