using SuperCloud.Bench;
using SuperCloud.Bench.SpotReplay;

// `make bench`: every figure beside a baseline measured in the same run, except two rows (scheduler and bind) that set
// the pods/s beside kube-scheduler's scheduler_perf threshold, a quoted constant labelled "QUOTED, not measured".
// Arguments pick sections (`supercloud-bench shim`); none runs them all.
// `spot-replay --prices FILE` replays a spot price trace instead (its own options).
if (args is ["spot-replay", .. var replayArgs])
{
    return SpotReplayCommand.Run(replayArgs, Console.Out, Console.Error);
}

string[] knownSections = ["api", "scheduler", "bind", "operator", "shim", "vm", "migration", "network", "images"];
var unknownSection = args.FirstOrDefault(a => !knownSections.Contains(a, StringComparer.OrdinalIgnoreCase));
if (unknownSection is not null)
{
    Console.Error.WriteLine($"supercloud-bench: unknown section \"{unknownSection}\" (known: {string.Join(", ", knownSections)})");
    return 2;
}

bool Runs(string section) => args.Length == 0 || args.Contains(section, StringComparer.OrdinalIgnoreCase);

using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
var workDir = Directory.CreateTempSubdirectory("supercloud-bench-").FullName;
try
{
    if (Runs("api"))
    {
        Console.WriteLine("lab API server (official KubernetesClient over loopback HTTP)");
        var figures = await new ApiServerBenchmarks(workDir).RunAsync(cts.Token);
        Report.Print(figures, Console.Out);
    }

    if (Runs("scheduler"))
    {
        Report.Print(SchedulerBenchmarks.Run(Console.Out, cts.Token), Console.Out);
    }

    if (Runs("bind"))
    {
        await BindBenchmarks.PrintAsync(workDir, Console.Out, cts.Token);
    }

    if (Runs("operator"))
    {
        await OperatorRuntimeBenchmarks.PrintAsync(Console.Out, cts.Token);
    }

    if (Runs("shim"))
    {
        await new ShimPumpBenchmarks(workDir).PrintAsync(Console.Out, cts.Token);
    }

    if (Runs("vm"))
    {
        await VmBootBenchmarks.PrintAsync(Console.Out, cts.Token);
    }

    if (Runs("migration"))
    {
        await MigrationBenchmarks.PrintAsync(Console.Out, cts.Token);
        await CappedMigrationBenchmarks.PrintAsync(workDir, Console.Out, cts.Token);
    }

    if (Runs("network"))
    {
        await NetworkBenchmarks.PrintAsync(workDir, Console.Out, cts.Token);
    }

    if (Runs("images"))
    {
        await ImageBenchmarks.PrintAsync(workDir, Console.Out, cts.Token);
    }
}
finally
{
    Directory.Delete(workDir, recursive: true);
}

return 0;
