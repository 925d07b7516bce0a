using SuperCloud.Kubectl.Commands;

namespace SuperCloud.Kubectl;

/// <summary>Runs one command line: 0 done, 1 the command failed (the message says why), 2 the command line is wrong.</summary>
internal static class Cli
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        Invocation? invocation;
        try
        {
            invocation = CommandLine.Parse(args);
        }
        catch (UsageException e)
        {
            await errors.WriteLineAsync($"error: {e.Message}");
            await errors.WriteLineAsync("See 'kubectl supercloud --help' for usage.");
            return 2;
        }

        if (invocation is null)
        {
            await output.WriteLineAsync(CommandLine.Usage);
            return args.Count == 0 ? 2 : 0;
        }

        try
        {
            using var connection = KubeConnection.Open(invocation.Kubeconfig, invocation.Context);
            var api = new SuperCloudClient(connection);
            var ns = invocation.Namespace ?? connection.Namespace;
            var name = invocation.Name ?? "";
            return invocation.Command switch
            {
                "migrate" => await MigrateCommand.RunAsync(api, invocation, ns, output, !Console.IsOutputRedirected, TimeProvider.System, cancellationToken),
                "cancel" => await CancelCommand.RunAsync(api, ns, name, output, cancellationToken),
                "status" => await StatusCommand.RunAsync(api, ns, name, output, cancellationToken),
                "cost" => await CostCommand.RunAsync(api, invocation.AllNamespaces ? null : ns, output, cancellationToken),
                "console" => await ConsoleCommand.RunAsync(
                    connection, ns, name, Console.OpenStandardInput(), Console.OpenStandardOutput(), errors, !Console.IsInputRedirected, cancellationToken),
                _ => await LifecycleCommand.RunAsync(api, invocation.Command, ns, name, output, cancellationToken),
            };
        }
        catch (CommandFailedException e)
        {
            await errors.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
    }
}
