using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

public sealed class HelpersTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private LabServer _lab = null!;
    private ResourceClient<Widget> _widgets = null!;

    public async Task InitializeAsync()
    {
        _lab = await LabServer.StartAsync();
        await _lab.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Widget.Definition());
        _widgets = new ResourceClient<Widget>(_lab.Client);
        await Eventually.UntilAsync(() => CanList(), "the Widget CRD is served");
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task Status_update_sets_observedGeneration_and_retries_a_409_conflict()
    {
        var widget = await CreateWidgetAsync("w");
        var writer = new StatusWriter<Widget>(_widgets, TimeProvider.System, NullLogger<StatusWriter<Widget>>.Instance);
        _lab.Faults.FailNext(1, 409, "/widgets/w/status", "update");

        var updated = await writer.UpdateAsync(ObjectKey.From(widget), w =>
        {
            w.Status ??= new WidgetStatus();
            w.Status.Phase = "Running";
            return true;
        }, CancellationToken.None);

        var stored = await _widgets.GetAsync(ObjectKey.From(widget), CancellationToken.None);
        stored!.Status!.Phase.Should().Be("Running");
        stored.Status.ObservedGeneration.Should().Be(stored.Metadata.Generation);
        updated!.Metadata.ResourceVersion.Should().Be(stored.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Status_update_of_a_missing_object_returns_null()
    {
        var writer = new StatusWriter<Widget>(_widgets, TimeProvider.System, NullLogger<StatusWriter<Widget>>.Instance);

        var result = await writer.UpdateAsync(new ObjectKey(_lab.Namespace, "absent"), _ => true, CancellationToken.None);

        result.Should().BeNull();
    }

    [Fact]
    public async Task Condition_write_keeps_lastTransitionTime_until_the_status_flips()
    {
        var widget = await CreateWidgetAsync("w");
        var key = ObjectKey.From(widget);
        var writer = new StatusWriter<Widget>(_widgets, _clock, NullLogger<StatusWriter<Widget>>.Instance);

        await writer.SetConditionAsync(key, new V1Condition { Type = "Ready", Status = "False", Reason = "Scheduling" }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var sameStatus = await writer.SetConditionAsync(key, new V1Condition { Type = "Ready", Status = "False", Reason = "Booting" }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var flipped = await writer.SetConditionAsync(key, new V1Condition { Type = "Ready", Status = "True", Reason = "Running" }, CancellationToken.None);

        var before = sameStatus!.Status!.Conditions!.Single();
        before.Reason.Should().Be("Booting");
        before.LastTransitionTime.Should().Be(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc));
        var after = flipped!.Status!.Conditions!.Single();
        after.LastTransitionTime.Should().Be(new DateTime(2026, 1, 1, 12, 10, 0, DateTimeKind.Utc));
        after.ObservedGeneration.Should().Be(flipped.Metadata.Generation);
    }

    [Fact]
    public async Task Finalizer_holds_deletion_until_removed()
    {
        var widget = await CreateWidgetAsync("w");
        var key = ObjectKey.From(widget);

        widget = await Finalizers.EnsureAsync(_widgets, widget, "test.supercloud.dev/cleanup", CancellationToken.None);
        (await Finalizers.EnsureAsync(_widgets, widget, "test.supercloud.dev/cleanup", CancellationToken.None)).Should().BeSameAs(widget, "already present: no write");
        await _widgets.DeleteAsync(key, CancellationToken.None);
        var terminating = await _widgets.GetAsync(key, CancellationToken.None);
        terminating!.Metadata.DeletionTimestamp.Should().NotBeNull();

        await Finalizers.RemoveAsync(_widgets, terminating, "test.supercloud.dev/cleanup", CancellationToken.None);

        await Eventually.UntilAsync(() => _widgets.GetAsync(key, CancellationToken.None).Result is null, "the object is gone once the finalizer is removed");
    }

    [Fact]
    public async Task Finalizer_write_from_a_stale_object_fails_with_conflict()
    {
        var stale = await CreateWidgetAsync("w");
        await _widgets.PatchAsync(ObjectKey.From(stale), "{\"spec\":{\"size\":2}}", ResourceClient<Widget>.MergePatch, null, CancellationToken.None);

        var act = () => Finalizers.EnsureAsync(_widgets, stale, "test.supercloud.dev/cleanup", CancellationToken.None);

        (await act.Should().ThrowAsync<KubernetesApiException>()).Which.IsConflict.Should().BeTrue();
    }

    [Fact]
    public async Task Repeated_events_are_aggregated_into_one_Event_with_a_count()
    {
        var widget = await CreateWidgetAsync("w");
        await using var recorder = new EventRecorder(new ResourceClient<Corev1Event>(_lab.Client), "supercloud-operator", _clock, NullLogger<EventRecorder>.Instance);

        for (var i = 0; i < 3; i++)
        {
            await recorder.WarningAsync(widget, "InvalidSpec", "spec.size must be positive", CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        await recorder.NormalAsync(widget, "Scheduled", "placed on node-1", CancellationToken.None);

        // Written in the background, in order: the last one queued tells that the others are written.
        IList<Corev1Event> events = [];
        await Eventually.UntilAsync(
            () => (events = _lab.Client.CoreV1.ListNamespacedEventAsync(_lab.Namespace).Result.Items).Any(e => e.Reason == "Scheduled"),
            "the recorder wrote the queued events");
        events.Should().HaveCount(2);
        var warning = events.Single(e => e.Reason == "InvalidSpec");
        warning.Count.Should().Be(3);
        warning.Type.Should().Be("Warning");
        warning.InvolvedObject.Kind.Should().Be("Widget");
        warning.InvolvedObject.Uid.Should().Be(widget.Metadata.Uid);
        warning.LastTimestamp.Should().Be(new DateTime(2026, 1, 1, 12, 0, 20, DateTimeKind.Utc));
    }

    [Fact]
    public async Task Controller_reconciles_the_owner_when_an_owned_child_changes()
    {
        var widget = await CreateWidgetAsync("parent");
        var informers = new
        {
            Widgets = new Informer<Widget>(_widgets, new InformerOptions { Namespace = _lab.Namespace }, TimeProvider.System, NullLogger<Informer<Widget>>.Instance),
            ConfigMaps = new Informer<V1ConfigMap>(
                new ResourceClient<V1ConfigMap>(_lab.Client), new InformerOptions { Namespace = _lab.Namespace }, TimeProvider.System,
                NullLogger<Informer<V1ConfigMap>>.Instance),
        };
        var reconciled = new System.Collections.Concurrent.ConcurrentQueue<ObjectKey>();
        using var controller = new Controller<Widget>(
            "widget", informers.Widgets, new Recorder(reconciled), new ControllerOptions(), new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()),
            TimeProvider.System, NullLogger<Controller<Widget>>.Instance);
        controller.Owns(informers.ConfigMaps);
        using var stop = new CancellationTokenSource();
        var runs = new[] { informers.Widgets.RunAsync(stop.Token), informers.ConfigMaps.RunAsync(stop.Token), controller.RunAsync(stop.Token) };
        await Eventually.UntilAsync(() => reconciled.Count == 1, "the initial list reconciled the widget");

        await _lab.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "child",
                    NamespaceProperty = _lab.Namespace,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "test.supercloud.dev/v1", Kind = "Widget", Name = "parent", Uid = widget.Metadata.Uid }],
                },
            },
            _lab.Namespace);

        await Eventually.UntilAsync(() => reconciled.Count == 2, "the child's creation reconciled its owner");
        reconciled.Should().AllBeEquivalentTo(ObjectKey.From(widget));
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Registered_controller_surfaces_a_terminal_error_as_Ready_False_and_a_Warning_event()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddLogging();
        services.AddControllerRuntime(_lab.Client, new LeaderElectionOptions { Enabled = false });
        services.AddSingleton(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));
        services.AddSingleton(new InformerOptions { Namespace = _lab.Namespace });
        services.AddController<Widget, RejectingReconciler>("widget");
        await using var provider = services.BuildServiceProvider();
        var informer = provider.GetRequiredService<Informer<Widget>>();
        var controller = provider.GetServices<IController>().Single();
        using var stop = new CancellationTokenSource();
        var runs = new[] { informer.RunAsync(stop.Token), controller.RunAsync(stop.Token) };

        var widget = await CreateWidgetAsync("bad");

        await Eventually.UntilAsync(
            () => _widgets.GetAsync(ObjectKey.From(widget), CancellationToken.None).Result?.Status?.Conditions?.Any(c => c.Type == "Ready") == true,
            "the Ready condition was written");
        var stored = await _widgets.GetAsync(ObjectKey.From(widget), CancellationToken.None);
        var ready = stored!.Status!.Conditions!.Single(c => c.Type == "Ready");
        ready.Status.Should().Be("False");
        ready.Reason.Should().Be("InvalidSpec");
        ready.Message.Should().Be("spec.size must be even");
        await Eventually.UntilAsync(
            () => _lab.Client.CoreV1.ListNamespacedEventAsync(_lab.Namespace).Result.Items.Any(e => e.Reason == "InvalidSpec" && e.Type == "Warning"),
            "a Warning event was recorded");
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(5));
    }

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

    private Task<Widget> CreateWidgetAsync(string name) => _widgets.CreateAsync(
        new Widget { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _lab.Namespace }, Spec = new WidgetSpec { Size = 1 } },
        CancellationToken.None);

    private sealed class RejectingReconciler : IReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) =>
            throw new TerminalReconcileException("InvalidSpec", "spec.size must be even");
    }

    private sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<ObjectKey> keys) : IReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            keys.Enqueue(key);
            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
