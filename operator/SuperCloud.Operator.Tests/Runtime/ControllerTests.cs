using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class ControllerTests : IDisposable
{
    private static readonly ObjectKey Key = new("default", "a");
    private readonly FakeTimeProvider _clock = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Kubernetes _client = new(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task Exception_requeues_the_key_with_growing_backoff_until_it_succeeds()
    {
        var reconciler = new ScriptedReconciler(
            _ => throw new InvalidOperationException("boom"),
            _ => throw new InvalidOperationException("boom"),
            _ => ReconcileResult.Done);
        var (controller, run) = Start(reconciler);

        controller.Queue.Add(Key);
        await Eventually.UntilAsync(() => reconciler.Calls == 1, "the first reconcile ran");
        // Wait for the delayed add itself, not only the retry count: the delay is measured from the moment it is armed.
        await Eventually.UntilAsync(() => controller.Queue.NumRequeues(Key) == 1 && controller.Queue.WaitingCount == 1, "the failure was requeued");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.UntilAsync(() => reconciler.Calls == 2, "the first retry ran after 5 ms");
        await Eventually.UntilAsync(() => controller.Queue.NumRequeues(Key) == 2 && controller.Queue.WaitingCount == 1, "the second failure was requeued");
        _clock.Advance(TimeSpan.FromMilliseconds(9));
        controller.Queue.WaitingCount.Should().Be(1, "the second retry waits 10 ms");
        reconciler.Calls.Should().Be(2);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.UntilAsync(() => reconciler.Calls == 3, "the second retry ran after 10 ms");
        await Eventually.UntilAsync(() => controller.Queue.NumRequeues(Key) == 0, "success forgets the backoff");

        await StopAsync(run);
        Counter("controller_runtime_reconcile_total", "error").Should().Be(2);
        Counter("controller_runtime_reconcile_total", "success").Should().Be(1);
    }

    [Fact]
    public async Task Terminal_error_is_surfaced_once_and_never_retried()
    {
        var surfaced = new ConcurrentBag<(ObjectKey, string)>();
        var reconciler = new ScriptedReconciler(_ => throw new TerminalReconcileException("InvalidSpec", "spec.cpu must be positive"));
        var (controller, run) = Start(reconciler, (key, e, _) =>
        {
            surfaced.Add((key, e.Reason));
            return Task.CompletedTask;
        });

        controller.Queue.Add(Key);
        await Eventually.UntilAsync(() => !surfaced.IsEmpty, "the terminal error was surfaced");
        _clock.Advance(TimeSpan.FromHours(1));

        // Nothing is queued or waiting for a delay: the key can never come back.
        controller.Queue.Count.Should().Be(0);
        controller.Queue.WaitingCount.Should().Be(0);
        reconciler.Calls.Should().Be(1);
        controller.Queue.NumRequeues(Key).Should().Be(0);
        surfaced.Should().ContainSingle().Which.Should().Be((Key, "InvalidSpec"));
        await StopAsync(run);
        Counter("controller_runtime_terminal_reconcile_errors_total").Should().Be(1);
    }

    [Fact]
    public async Task RequeueAfter_reconciles_again_after_the_delay_and_not_before()
    {
        var reconciler = new ScriptedReconciler(_ => ReconcileResult.After(TimeSpan.FromSeconds(30)), _ => ReconcileResult.Done);
        var (controller, run) = Start(reconciler);

        controller.Queue.Add(Key);
        await Eventually.UntilAsync(() => reconciler.Calls == 1 && controller.Queue.WaitingCount == 1, "the first reconcile ran and asked for a requeue");
        _clock.Advance(TimeSpan.FromSeconds(29));
        controller.Queue.WaitingCount.Should().Be(1, "the requeue is due after 30 s");
        reconciler.Calls.Should().Be(1);
        _clock.Advance(TimeSpan.FromSeconds(1));

        await Eventually.UntilAsync(() => reconciler.Calls == 2, "the requeue after 30 s ran");
        controller.Queue.NumRequeues(Key).Should().Be(0);
        await StopAsync(run);
        Counter("controller_runtime_reconcile_total", "requeue_after").Should().Be(1);
    }

    [Fact]
    public async Task Requeue_without_error_retries_through_the_rate_limiter()
    {
        var reconciler = new ScriptedReconciler(_ => new ReconcileResult(Requeue: true), _ => ReconcileResult.Done);
        var (controller, run) = Start(reconciler);

        controller.Queue.Add(Key);
        await Eventually.UntilAsync(() => controller.Queue.NumRequeues(Key) == 1 && controller.Queue.WaitingCount == 1, "the key was requeued with backoff");
        _clock.Advance(TimeSpan.FromMilliseconds(5));

        await Eventually.UntilAsync(() => reconciler.Calls == 2, "the requeue ran after the base delay");
        await StopAsync(run);
        Counter("controller_runtime_reconcile_total", "requeue").Should().Be(1);
        Counter("controller_runtime_reconcile_total", "error").Should().Be(0);
    }

    [Fact]
    public async Task A_throwing_reconciler_does_not_stop_workers_from_reconciling_other_keys()
    {
        var other = new ObjectKey("default", "b");
        var reconciled = new ConcurrentBag<ObjectKey>();
        var reconciler = new DelegateReconciler((key, _) =>
        {
            reconciled.Add(key);
            return key == Key ? throw new InvalidOperationException("bug") : Task.FromResult(ReconcileResult.Done);
        });
        var (controller, run) = Start(reconciler);

        controller.Queue.Add(Key);
        await Eventually.UntilAsync(() => reconciled.Contains(Key), "the failing key ran");
        controller.Queue.Add(other);

        await Eventually.UntilAsync(() => reconciled.Contains(other), "another key still gets reconciled");
        await StopAsync(run);
        Counter("controller_runtime_reconcile_panics_total").Should().Be(1);
    }

    [Fact]
    public async Task Many_workers_never_reconcile_one_key_concurrently()
    {
        var active = 0;
        var overlap = 0;
        var calls = 0;
        var reconciler = new DelegateReconciler(async (_, ct) =>
        {
            if (Interlocked.Increment(ref active) > 1)
            {
                Interlocked.Increment(ref overlap);
            }

            await Task.Delay(2, ct);
            Interlocked.Decrement(ref active);
            Interlocked.Increment(ref calls);
            return ReconcileResult.Done;
        });
        var (controller, run) = Start(reconciler, workers: 4);

        for (var i = 0; i < 200; i++)
        {
            controller.Queue.Add(Key);
            await Task.Yield();
        }

        await Eventually.UntilAsync(
            () => Volatile.Read(ref calls) > 0 && controller.Queue.Count == 0 && Volatile.Read(ref active) == 0, "the queue drained");
        await StopAsync(run);
        overlap.Should().Be(0);
    }

    [Fact]
    public async Task Stopping_cancels_the_running_reconcile_and_hands_out_no_more_work()
    {
        var started = new TaskCompletionSource();
        var calls = 0;
        var reconciler = new DelegateReconciler(async (_, ct) =>
        {
            Interlocked.Increment(ref calls);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return ReconcileResult.Done;
        });
        var (controller, run) = Start(reconciler);
        controller.Queue.Add(Key);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        controller.Queue.Add(new ObjectKey("default", "b"));

        await StopAsync(run);

        calls.Should().Be(1);
        controller.Queue.IsShuttingDown.Should().BeTrue();
    }

    private (Controller<V1ConfigMap> Controller, Task Run) Start(IReconciler reconciler, TerminalErrorHandler? onTerminal = null, int workers = 1)
    {
        var informer = new Informer<V1ConfigMap>(
            new ResourceClient<V1ConfigMap>(_client), new InformerOptions(), _clock, NullLogger<Informer<V1ConfigMap>>.Instance);
        var controller = new Controller<V1ConfigMap>(
            "configmap", informer, reconciler, new ControllerOptions { Workers = workers, RetryQps = 1e9, RetryBurst = int.MaxValue },
            new OperatorMetrics(_registry), _clock, NullLogger<Controller<V1ConfigMap>>.Instance, onTerminal);
        return (controller, controller.RunWorkersAsync(_stop.Token));
    }

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private double Counter(string name, string? result = null)
    {
        var metrics = new OperatorMetrics(_registry);
        return name switch
        {
            "controller_runtime_reconcile_total" => metrics.ReconcileTotal.WithLabels("configmap", result!).Value,
            "controller_runtime_terminal_reconcile_errors_total" => metrics.TerminalReconcileErrors.WithLabels("configmap").Value,
            "controller_runtime_reconcile_panics_total" => metrics.ReconcilePanics.WithLabels("configmap").Value,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
        };
    }

    private sealed class ScriptedReconciler(params Func<ObjectKey, ReconcileResult>[] steps) : IReconciler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            return Task.FromResult(steps[Math.Min(call, steps.Length) - 1](key));
        }
    }

    private sealed class DelegateReconciler(Func<ObjectKey, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) => reconcile(key, cancellationToken);
    }
}
