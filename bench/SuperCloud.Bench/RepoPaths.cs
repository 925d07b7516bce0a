using System.Reflection;

namespace SuperCloud.Bench;

/// <summary>Locates the repository, its generated CRDs and the executables built in the same configuration as the bench.</summary>
internal static class RepoPaths
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SuperCloud.Operator.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException($"no SuperCloud.Operator.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The CRD manifests generated from the C# types, as `kubectl apply -f crds/generated/` installs them.</summary>
    public static string GeneratedCrds => Path.Combine(Root, "crds", "generated");

    /// <summary>The <c>supercloud-lab</c> executable; the bench's project reference builds it first.</summary>
    public static string LabCli
    {
        get
        {
            var configuration = typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var path = Path.Combine(Root, "lab", "SuperCloud.Lab.Cli", "bin", configuration, "net10.0", "supercloud-lab");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"{path} is missing: run `dotnet build lab/SuperCloud.Lab.Cli -c {configuration}` first");
        }
    }
}
