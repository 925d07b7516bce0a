using System.Reflection;

namespace SuperCloud.Lab.Hosts;

/// <summary>The product pieces a lab runs: the node agent and operator executables, the CRD manifests and their deploy manifests.</summary>
/// <param name="NodeAgent">supercloud-node-agent.</param>
/// <param name="Operator">supercloud-operator.</param>
/// <param name="Crds">The directory of the generated CRD YAML.</param>
/// <param name="Deploy">Directories of the identities, RBAC and admission policies of the agents and the operator (node-agent/deploy, operator/deploy).</param>
public sealed record LabExecutables(string NodeAgent, string Operator, string Crds, IReadOnlyList<string> Deploy)
{
    /// <summary>The helm binary for <c>--install chart</c> (the repository's .tools/bin/helm, else helm on PATH).</summary>
    public string Helm { get; init; } = "helm";

    /// <summary>The repository's chart (charts/supercloud), when there is a repository.</summary>
    public string? Chart { get; init; }

    /// <summary>
    /// The pieces of the repository this lab executable was built in, in the same configuration (Debug or Release): the
    /// layout <c>make build</c> produces. Outside a repository, executables beside this one.
    /// </summary>
    public static LabExecutables FromRepositoryOrDefault()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SuperCloud.Operator.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            return new LabExecutables(
                Path.Combine(AppContext.BaseDirectory, "supercloud-node-agent"),
                Path.Combine(AppContext.BaseDirectory, "supercloud-operator"),
                Path.Combine(AppContext.BaseDirectory, "crds"),
                [Path.Combine(AppContext.BaseDirectory, "deploy", "node-agent"), Path.Combine(AppContext.BaseDirectory, "deploy", "operator")]);
        }

        var configuration = typeof(LabExecutables).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        return new LabExecutables(
            Path.Combine(dir.FullName, "node-agent", "SuperCloud.NodeAgent", "bin", configuration, "net10.0", "supercloud-node-agent"),
            Path.Combine(dir.FullName, "operator", "SuperCloud.Operator", "bin", configuration, "net10.0", "supercloud-operator"),
            Path.Combine(dir.FullName, "crds", "generated"),
            [Path.Combine(dir.FullName, "node-agent", "deploy"), Path.Combine(dir.FullName, "operator", "deploy")])
        {
            Helm = File.Exists(Path.Combine(dir.FullName, ".tools", "bin", "helm")) ? Path.Combine(dir.FullName, ".tools", "bin", "helm") : "helm",
            Chart = Path.Combine(dir.FullName, "charts", "supercloud"),
        };
    }

    /// <summary>Throws <see cref="LabUsageException"/> naming the first piece that is missing, and how to build it.</summary>
    public void Validate()
    {
        foreach (var (flag, path) in new[] { ("--agent-bin", NodeAgent), ("--operator-bin", Operator) })
        {
            if (!File.Exists(path))
            {
                throw new LabUsageException($"{flag} \"{path}\": no such file; run `make build`");
            }
        }

        if (!Directory.Exists(Crds))
        {
            throw new LabUsageException($"--crds \"{Crds}\": no such directory");
        }

        foreach (var directory in Deploy.Where(d => !Directory.Exists(d)))
        {
            throw new LabUsageException($"deploy manifests \"{directory}\": no such directory");
        }
    }
}
