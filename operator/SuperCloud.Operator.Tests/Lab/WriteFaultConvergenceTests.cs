using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

public sealed class WriteFaultConvergenceTests : IAsyncLifetime, IDisposable
{
    private const int Widgets = 20;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs = [];
    private LabServer _lab = null!;
    private ResourceClient<Widget> _widgets = null!;

    public async Task InitializeAsync()
    {
        _lab = await LabServer.StartAsync();
        await _lab.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Widget.Definition());
        _widgets = new ResourceClient<Widget>(_lab.Client);
        await Eventually.UntilAsync(() => CanList(), "the Widget CRD is served");
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(5));
        await _lab.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    [Fact]
    public async Task Injected_5xx_and_409_on_status_writes_are_retried_until_every_object_converges()
    {
        for (var i = 0; i < Widgets; i++)
        {
            await _widgets.CreateAsync(
                new Widget { Metadata = new V1ObjectMeta { Name = $"w-{i:D2}", NamespaceProperty = _lab.Namespace }, Spec = new WidgetSpec { Size = 1 } },
                CancellationToken.None);
        }

        // Rules apply in order: the first 15 status writes get 500, the next 15 get 409 Conflict.
        _lab.Faults.FailNext(15, 500, "/status", "update");
        _lab.Faults.FailNext(15, 409, "/status", "update");
        _lab.Server.Requests.Clear();
        var informer = new Informer<Widget>(
            _widgets, new InformerOptions { Namespace = _lab.Namespace }, TimeProvider.System, NullLogger<Informer<Widget>>.Instance);
        var writer = new StatusWriter<Widget>(_widgets, TimeProvider.System, NullLogger<StatusWriter<Widget>>.Instance) { MaxAttempts = 2 };
        var metrics = new OperatorMetrics(Metrics.NewCustomRegistry());
        using var controller = new Controller<Widget>(
            "widgets", informer, new ReadyReconciler(writer), new ControllerOptions { Workers = 2 }, metrics, TimeProvider.System,
            NullLogger<Controller<Widget>>.Instance);
        _runs.Add(informer.RunAsync(_stop.Token));
        _runs.Add(controller.RunAsync(_stop.Token));

        // A spec change while faults are active: the status must catch up with the new generation too.
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await _widgets.PatchAsync(new ObjectKey(_lab.Namespace, "w-00"), "{\"spec\":{\"size\":2}}", ResourceClient<Widget>.MergePatch, null, CancellationToken.None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        IReadOnlyList<Widget> stored;
        do
        {
            stored = (await _widgets.ListAsync(_lab.Namespace, null, null, null, null, null, CancellationToken.None)).Items;
            if (stored.All(Converged))
            {
                break;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        stored.Should().HaveCount(Widgets).And.OnlyContain(w => Converged(w), "every widget converged despite the faults");
        var statusWrites = _lab.Server.Requests.Snapshot().Where(r => r.Method == "PUT" && r.Path.EndsWith("/status", StringComparison.Ordinal)).ToList();
        statusWrites.Count(r => r.Status == 500).Should().Be(15, "every injected 500 was hit");
        statusWrites.Count(r => r.Status == 409).Should().Be(15, "every injected conflict was hit");
        metrics.ReconcileErrors.WithLabels("widgets").Value.Should().BeGreaterThan(0, "failed writes failed their reconciles, which were retried");
    }

    private static bool Converged(Widget w) =>
        w.Status is { Phase: "Ready" } status && status.ObservedGeneration == w.Metadata.Generation;

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

    /// <summary>Marks every widget Ready through the status subresource; a failed write throws and is retried by the controller.</summary>
    private sealed class ReadyReconciler(StatusWriter<Widget> writer) : IReconciler
    {
        public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            await writer.UpdateAsync(
                key,
                w =>
                {
                    if (w.Status?.Phase == "Ready")
                    {
                        return false;
                    }

                    w.Status ??= new WidgetStatus();
                    w.Status.Phase = "Ready";
                    return true;
                },
                cancellationToken);
            return ReconcileResult.Done;
        }
    }
}
