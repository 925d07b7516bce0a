using System.Collections.Concurrent;
using System.Net;
using k8s.Models;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Tests.Lab;

namespace SuperCloud.Operator.Tests;

public sealed class OperatorHostTests : IAsyncLifetime
{
    private LabServer _lab = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _lab = await LabServer.StartAsync();
        _kubeconfig = Path.Combine(Path.GetTempPath(), $"supercloud-operator-test-{Guid.NewGuid():N}.kubeconfig");
        _lab.Server.WriteKubeconfig(_kubeconfig);
    }

    public async Task DisposeAsync()
    {
        File.Delete(_kubeconfig);
        await _lab.DisposeAsync();
    }

    [Fact]
    public async Task Operator_process_leads_reconciles_and_serves_health_and_controller_runtime_metrics()
    {
        await using var app = OperatorHost.Build(
            [
                "--kubeconfig", _kubeconfig, "--listen-address", "http://127.0.0.1:0", "--namespace", _lab.Namespace,
                "--leader-election-namespace", _lab.Namespace, "--Logging:LogLevel:Default", "Warning",
            ],
            (services, _) => services.AddController<V1ConfigMap, RecordingReconciler>("configmap"));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        var reconciler = app.Services.GetRequiredService<RecordingReconciler>();

        (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        await _lab.CreateConfigMapAsync("hello");
        await Eventually.UntilAsync(() => reconciler.Keys.Contains(new ObjectKey(_lab.Namespace, "hello")), "the controller reconciled the new ConfigMap");
        (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        metrics.Should().Contain("controller_runtime_reconcile_total{controller=\"configmap\",result=\"success\"}")
            .And.Contain("controller_runtime_reconcile_errors_total{controller=\"configmap\"}")
            .And.Contain("controller_runtime_reconcile_time_seconds_bucket{controller=\"configmap\"")
            .And.Contain("controller_runtime_active_workers{controller=\"configmap\"}")
            .And.Contain("workqueue_depth{controller=\"configmap\",name=\"configmap\"}")
            .And.Contain("workqueue_adds_total{controller=\"configmap\",name=\"configmap\"}")
            .And.Contain("workqueue_retries_total{controller=\"configmap\",name=\"configmap\"}")
            .And.Contain("workqueue_queue_duration_seconds_bucket{controller=\"configmap\",name=\"configmap\"")
            .And.Contain("workqueue_work_duration_seconds_bucket{controller=\"configmap\",name=\"configmap\"")
            .And.Contain("leader_election_master_status{name=\"supercloud-operator\"} 1");
        await app.StopAsync();
    }

    [Fact]
    public void Invalid_settings_fail_at_startup_naming_the_setting()
    {
        var act = () => OperatorHost.Build(["--kubeconfig", _kubeconfig, "--workers", "0"]);

        act.Should().Throw<ArgumentException>().WithMessage("*Operator:Workers*");
    }

    [Fact]
    public async Task Flags_override_the_config_file_and_a_missing_file_is_named()
    {
        var file = Path.Combine(Path.GetTempPath(), $"supercloud-operator-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{\"Operator\":{\"Workers\":0}}");
        try
        {
            var fromFile = () => OperatorHost.Build(["--kubeconfig", _kubeconfig, "--config", file]);
            fromFile.Should().Throw<ArgumentException>().WithMessage("*Operator:Workers*");

            await using var app = OperatorHost.Build(["--kubeconfig", _kubeconfig, "--config", file, "--workers", "3"]);
            app.Services.GetRequiredService<OperatorOptions>().Workers.Should().Be(3);
        }
        finally
        {
            File.Delete(file);
        }

        var missing = () => OperatorHost.Build(["--kubeconfig", _kubeconfig, "--config", file]);
        missing.Should().Throw<ArgumentException>().WithMessage($"*'{file}'*");
    }

    private sealed class RecordingReconciler : IReconciler
    {
        public ConcurrentBag<ObjectKey> Keys { get; } = [];

        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            Keys.Add(key);
            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
