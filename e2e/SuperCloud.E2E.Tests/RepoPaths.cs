using System.Reflection;

namespace SuperCloud.E2E.Tests;

/// <summary>Locates the repository, its tools and the executables built in the same configuration as this test assembly.</summary>
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

    private static string Configuration =>
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>kubectl from `.tools/bin`; fails with the fix when it is missing.</summary>
    public static string Kubectl => Existing(Path.Combine(Root, ".tools", "bin", "kubectl"), "run `make setup` to install kubectl into .tools/bin");

    /// <summary>The kubectl plugin (`kubectl supercloud`) as `make setup` installs it into `.tools/bin`.</summary>
    public static string KubectlPlugin => Existing(Path.Combine(Root, ".tools", "bin", "kubectl-supercloud"), "run `make setup` to install the kubectl supercloud plugin into .tools/bin");

    public static string LabCli => Executable("lab/SuperCloud.Lab.Cli", "supercloud-lab");

    public static string NodeAgent => Executable("node-agent/SuperCloud.NodeAgent", "supercloud-node-agent");

    public static string Operator => Executable("operator/SuperCloud.Operator", "supercloud-operator");

    private static string Executable(string project, string name)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", name);
        return Existing(path, $"run `dotnet build {project}/{Path.GetFileName(project)}.csproj -c {Configuration}` first");
    }

    private static string Existing(string path, string fix) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: {fix}");
}
