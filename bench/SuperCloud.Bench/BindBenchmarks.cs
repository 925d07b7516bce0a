using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using k8s;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// Scheduling end to end: 1,000 SuperPods created concurrently through a <c>supercloud-lab apiserver</c> process and bound
/// by the real operator in this process (<see cref="OperatorHost"/> with <see cref="ControllersServiceCollectionExtensions.AddSuperCloudControllers"/>:
/// informers, work queue, leader election and <see cref="SuperPodSchedulingReconciler"/>, over HTTP). Bound/s and p50/p99
/// bind latency (create sent → a separate watch sees status.node) beside a <see cref="RoundRobinBinder"/> measured in the
/// same run against a fresh server and the same world. One more row, labelled as such, sets the bound/s beside a quoted
/// constant, not a measurement: kube-scheduler's scheduler_perf threshold, whose workload is larger (5,000 nodes,
/// 11,000 pods) and whose API server is in-process — the row states both sides' counts rather than pretend they match.
/// </summary>
/// <remarks>
/// The API server runs in its own process, as it does in a cluster: the managed heap and allocations measured here are
/// then the operator's (plus the load generator's and the watch's, identical in both runs), not the server's, and the two
/// garbage collectors do not pause each other. Each run gets a fresh server so neither inherits the other's objects.
/// </remarks>
internal static class BindBenchmarks
{
    private const int Nodes = 300;
    private const int Pods = 1_000;
    private const int WarmUpPods = 50;
    private const int MinWarmUpRounds = 10;
    private const int MaxWarmUpRounds = 16;

    /// <summary>A warm-up round that compiles fewer methods than this (of some 10,000 by then) leaves the process warm.</summary>
    private const int QuietJitMethods = 50;

    /// <summary>Concurrent creates, like a client applying a directory of manifests with several requests in flight.</summary>
    private const int CreateParallelism = 16;

    private const string SchedulerController = "superpod-scheduler";
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs the scheduler and the baseline and prints their table under a heading.</summary>
    public static async Task PrintAsync(string workDir, TextWriter output, CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SuperPod scheduling end to end ({Pods:N0} SuperPods created {CreateParallelism} at a time through a supercloud-lab apiserver process; {Nodes} SuperNodes in {SchedulingWorld.Clusters} SuperClusters)"));
        var workers = new OperatorOptions().Workers;
        var baseline = await MeasureAsync(workDir, useOperator: false, workers, ct);
        output.WriteLine(baseline.Describe($"round-robin binder ({workers} workers)"));
        var scheduled = await MeasureAsync(workDir, useOperator: true, workers, ct);
        output.WriteLine(scheduled.Describe($"operator ({workers} scheduler workers)"));

        var memory = scheduled.HeapAfter;
        Report.Print(
            [
                new Figure($"SuperPods bound/s via the API ({Pods:N0})", scheduled.PodsPerSecond, baseline.PodsPerSecond, "pods/s",
                    "round-robin binder, no filters or scores, same status write", HigherIsBetter: true, memory),
                new Figure($"SuperPods bound/s via the API ({Nodes} nodes, {Pods:N0} pods) vs kube-scheduler", scheduled.PodsPerSecond,
                    SchedulerBenchmarks.KubeSchedulerPerfThresholdPodsPerSecond, "pods/s", SchedulerBenchmarks.KubeSchedulerPerfThresholdName, HigherIsBetter: true, memory),
                new Figure("bind latency p50, create to watch (ms)", scheduled.Percentile(0.50), baseline.Percentile(0.50), "ms",
                    "p50 of the round-robin binder", HigherIsBetter: false, memory),
                new Figure("bind latency p99, create to watch (ms)", scheduled.Percentile(0.99), baseline.Percentile(0.99), "ms",
                    "p99 of the round-robin binder", HigherIsBetter: false, memory),
                new Figure("bench process allocations per SuperPod (KiB)", scheduled.AllocatedBytes / 1024.0 / Pods, baseline.AllocatedBytes / 1024.0 / Pods,
                    "KiB", "round-robin binder; both include the load generator and the watch", HigherIsBetter: false, memory),
                new Figure("operator heap held after the run (MiB)", scheduled.HeapHeld / 1048576.0, baseline.HeapHeld / 1048576.0, "MiB",
                    "round-robin binder (no cache)", HigherIsBetter: false, memory),
            ],
            output);
    }

    private static async Task<Run> MeasureAsync(string workDir, bool useOperator, int workers, CancellationToken ct)
    {
        await using var server = await LabApiServerProcess.StartAsync(TimeSpan.FromSeconds(30), ct);
        using var client = server.NewClient();
        using var watchClient = server.NewClient();
        using var binderClient = server.NewClient();
        var world = await SchedulingWorld.CreateAsync(client, Nodes, ct);
        var pods = new ResourceClient<SuperPod>(client);
        var from = (await pods.ListAsync(null, null, null, 1, null, null, ct)).ResourceVersion;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var observer = new BindObserver(new ResourceClient<SuperPod>(watchClient));
        var observing = Task.Run(() => observer.RunAsync(from, stop.Token), CancellationToken.None);
        var heapBefore = Settle();
        WebApplication? app = null;
        var binding = Task.CompletedTask;
        try
        {
            if (useOperator)
            {
                var kubeconfig = Path.Combine(workDir, "bind-kubeconfig");
                await server.WriteKubeconfigAsync(kubeconfig, ct);

                // The operator's own entry point (Program.cs) without agent credentials: it schedules but runs no VMs.
                // Information logs (one line per bind) would bury the table; their cost is left out of the figures.
                app = OperatorHost.Build(
                    ["--kubeconfig", kubeconfig, "--listen-address", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
                    (services, _) => services.AddSuperCloudControllers());
                await app.StartAsync(ct);
                await UntilSettledAsync(client, world, ct);
            }
            else
            {
                var binder = new RoundRobinBinder(new ResourceClient<SuperPod>(binderClient), world.Nodes, workers);
                binding = Task.Run(() => binder.RunAsync(from, stop.Token), CancellationToken.None);
            }

            var warmUpRounds = await WarmUpAsync(pods, observer, ct);
            var metrics = app?.Services.GetRequiredService<OperatorMetrics>();
            var reconcilesBefore = Reconciles(metrics);
            GC.Collect();

            var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var serverCpuBefore = server.ProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var (created, keys, creating) = await CreateAndWaitAsync(pods, observer, 0, Pods, ct);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            self.Refresh();
            var cpu = self.TotalProcessorTime - cpuBefore;
            var serverCpu = server.ProcessorTime - serverCpuBefore;
            var reconciles = Reconciles(metrics).Zip(reconcilesBefore, (after, before) => after - before).ToArray();

            var bound = keys.Select(observer.BoundAt).ToArray();
            var latencies = bound.Select((at, i) => Stopwatch.GetElapsedTime(created[i], at).TotalMilliseconds).ToList();
            var elapsed = Stopwatch.GetElapsedTime(created.Min(), bound.Max());
            var heapAfter = Settle();
            return new Run(Pods / elapsed.TotalSeconds, elapsed, creating, warmUpRounds, latencies, allocated, heapAfter, heapAfter - heapBefore, cpu, serverCpu, reconciles);
        }
        finally
        {
            await stop.CancelAsync();
            if (app is not null)
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }

            await Task.WhenAll(observing, binding);
        }
    }

    /// <summary>
    /// Rounds of SuperPods (which stay: a cluster is never empty) until both processes are warm. Tiered compilation
    /// recompiles hot code in the background over several rounds (tier 0, instrumented, tier 1); measured before that, the
    /// figures are mostly the JIT's (three to four times the CPU per SuperPod on this machine), not the steady state of an
    /// operator and an API server that have been running. Here a round that compiles almost nothing shows it; the server's
    /// compilations cannot be seen from here, and on this machine its CPU per SuperPod stops falling after about ten
    /// rounds, hence the minimum. Returns the number of rounds.
    /// </summary>
    private static async Task<int> WarmUpAsync(ResourceClient<SuperPod> pods, BindObserver observer, CancellationToken ct)
    {
        for (var round = 1; ; round++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            await CreateAndWaitAsync(pods, observer, Pods + ((round - 1) * WarmUpPods), WarmUpPods, ct);
            await UntilJitQuietAsync(ct);
            var quiet = JitInfo.GetCompiledMethodCount() - compiled < QuietJitMethods;
            if ((quiet && round >= MinWarmUpRounds) || round == MaxWarmUpRounds)
            {
                return round;
            }
        }
    }

    /// <summary>
    /// Waits (at most 1 s) until no method has been compiled for a quarter of a second, for the background tier-1 work the
    /// round queued; a pause too short only shows as compilations in the next round, which then does not end the warm-up.
    /// </summary>
    private static async Task UntilJitQuietAsync(CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var last = JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(250, ct);
            var now = JitInfo.GetCompiledMethodCount();
            if (now == last)
            {
                return;
            }

            last = now;
        }
    }

    /// <summary>Creates SuperPods <paramref name="first"/>.. concurrently and waits until the watch has seen each bound.</summary>
    private static async Task<(long[] Created, ObjectKey[] Keys, TimeSpan Creating)> CreateAndWaitAsync(
        ResourceClient<SuperPod> pods, BindObserver observer, int first, int count, CancellationToken ct)
    {
        var created = new long[count];
        var keys = new ObjectKey[count];
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = CreateParallelism, CancellationToken = ct },
            async (i, token) =>
            {
                var pod = SchedulingWorld.Pod("vm", first + i);
                keys[i] = ObjectKey.From(pod);
                created[i] = Stopwatch.GetTimestamp();
                await pods.CreateAsync(pod, token);
            });
        var creating = Stopwatch.GetElapsedTime(started);
        try
        {
            await observer.WaitForAsync(keys, BindTimeout, ct);
        }
        catch (TimeoutException e) when (keys.FirstOrDefault(k => !observer.IsBound(k)) is var unbound && unbound != default)
        {
            // Say why, as `kubectl describe` would: the Scheduled condition carries the scheduler's FitError.
            var pod = await pods.GetAsync(unbound, ct);
            var scheduled = Conditions.Find(pod?.Status?.Conditions, ConditionTypes.Scheduled);
            throw new TimeoutException($"{e.Message}; {unbound}: {scheduled?.Reason ?? "no Scheduled condition"} {scheduled?.Message}", e);
        }

        return (created, keys, creating);
    }

    /// <summary>
    /// Waits until the operator's node health and cluster status controllers have written what the new world makes them
    /// write (a Ready condition on every SuperNode, node counts on every SuperCluster), so that none of it lands in the
    /// measured window; and until the operator leads (the conditions are written only by the leader).
    /// </summary>
    private static async Task UntilSettledAsync(Kubernetes client, SchedulingWorld world, CancellationToken ct)
    {
        var nodes = new ResourceClient<SuperNode>(client);
        var clusters = new ResourceClient<SuperCluster>(client);
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (true)
        {
            var nodeList = await nodes.ListAsync(null, null, null, null, null, null, ct);
            var clusterList = await clusters.ListAsync(null, null, null, null, null, null, ct);
            var nodesDone = nodeList.Items.Count == world.Nodes.Count
                && nodeList.Items.All(n => Conditions.Find(n.Status?.Conditions, ConditionTypes.Ready) is not null);
            var clustersDone = clusterList.Items.Count == SchedulingWorld.Clusters
                && clusterList.Items.Sum(c => c.Status?.Nodes ?? 0) == world.Nodes.Count
                && clusterList.Items.Sum(c => c.Status?.ReadyNodes ?? 0) == world.ReadyNodes;
            if (nodesDone && clustersDone)
            {
                return;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException("the operator did not write node and cluster status for the new world within 30 s");
            }

            await Task.Delay(100, ct);
        }
    }

    private static double[] Reconciles(OperatorMetrics? metrics) =>
        metrics is null
            ? [0, 0, 0]
            : [.. ((string[])["success", "requeue", "error"]).Select(r => metrics.ReconcileTotal.WithLabels(SchedulerController, r).Value)];

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    /// <summary>What one run measured.</summary>
    private sealed record Run(
        double PodsPerSecond, TimeSpan Elapsed, TimeSpan Creating, int WarmUpRounds, List<double> LatenciesMs, long AllocatedBytes,
        long HeapAfter, long HeapHeld, TimeSpan ProcessCpu, TimeSpan ServerCpu, double[] Reconciles)
    {
        public double Percentile(double p)
        {
            var sorted = LatenciesMs.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        }

        public string Describe(string binder)
        {
            var c = CultureInfo.InvariantCulture;
            var line = string.Create(c,
                $"  {binder}, warm after {WarmUpRounds} rounds of {WarmUpPods}: {LatenciesMs.Count:N0} created in {Creating.TotalSeconds:0.00} s, bound in {Elapsed.TotalSeconds:0.00} s; CPU per SuperPod: bench process {ProcessCpu.TotalMilliseconds / LatenciesMs.Count:0.00} ms, apiserver {ServerCpu.TotalMilliseconds / LatenciesMs.Count:0.00} ms");
            return Reconciles.Sum() > 0
                ? line + string.Create(c, $"; scheduler reconciles until the last bind: {Reconciles[0]:0} success, {Reconciles[1]:0} requeue, {Reconciles[2]:0} error")
                : line;
        }
    }
}
