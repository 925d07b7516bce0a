namespace SuperCloud.Crds.Tests.Validation;

/// <summary>Locates files of the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Generated => Path.Combine(Root, "crds", "generated");

    public static string Examples => Path.Combine(Root, "examples");

    public static string Invalid => Path.Combine(Root, "crds", "SuperCloud.Crds.Tests", "invalid");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SuperCloud.Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no SuperCloud.Operator.sln above {AppContext.BaseDirectory}");
    }
}
