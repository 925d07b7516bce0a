namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Locates files of the repository (test data, the tools `make setup` installs) from the test binary.</summary>
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

    public static string TestData(string name) => Path.Combine(Root, "lab", "SuperCloud.Lab.Tests", "TestData", name);

    /// <summary>A tool from `.tools/bin`; fails with the fix when it is missing.</summary>
    public static string Tool(string name)
    {
        var path = Path.Combine(Root, ".tools", "bin", name);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run `make setup` to install kubectl and helm into .tools/bin");
        }

        return path;
    }
}
