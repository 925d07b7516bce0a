using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl.Commands;

/// <summary>
/// <c>pause</c>/<c>unpause</c> (the aggregated API's subresources, as virtctl's) and <c>start</c>/<c>stop</c> (spec.runStrategy
/// Always or Halted, which the operator converges to).
/// </summary>
internal static class LifecycleCommand
{
    public static async Task<int> RunAsync(SuperCloudClient api, string command, string ns, string name, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(output);
        switch (command)
        {
            case "pause" or "unpause":
                await api.PutSubresourceAsync(ns, name, command, cancellationToken);
                await output.WriteLineAsync($"SuperPod {ns}/{name} was {(command == "pause" ? "paused" : "unpaused")}");
                return 0;
            case "start" or "stop":
                var pod = await api.GetSuperPodAsync(ns, name, cancellationToken);
                var wanted = command == "start" ? RunStrategy.Always : RunStrategy.Halted;
                if ((pod.Spec.RunStrategy ?? RunStrategy.Always) == wanted)
                {
                    await output.WriteLineAsync($"SuperPod {ns}/{name} already has runStrategy {wanted}");
                    return 0;
                }

                await api.SetRunStrategyAsync(ns, name, wanted, cancellationToken);
                await output.WriteLineAsync($"SuperPod {ns}/{name} was scheduled to {command} (runStrategy {wanted})");
                return 0;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command, "not a lifecycle command");
        }
    }
}
