using SuperCloud.Bench;

// `make bench`: every figure beside a baseline measured in the same run.
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var workDir = Directory.CreateTempSubdirectory("supercloud-bench-").FullName;
try
{
    Console.WriteLine("lab API server (official KubernetesClient over loopback HTTP)");
    var figures = await new ApiServerBenchmarks(workDir).RunAsync(cts.Token);
    Report.Print(figures, Console.Out);
}
finally
{
    Directory.Delete(workDir, recursive: true);
}
