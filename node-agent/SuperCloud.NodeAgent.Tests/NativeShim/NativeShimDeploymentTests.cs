using SuperCloud.NativeShim;

namespace SuperCloud.NodeAgent.Tests.NativeShim;

public sealed class NativeShimDeploymentTests
{
    [Fact]
    public void Agent_output_ships_the_native_shim_and_loads_it_from_there()
    {
        var agentDirectory = Path.GetDirectoryName(typeof(NodeAgentOptions).Assembly.Location)!;

        File.Exists(Path.Combine(agentDirectory, "libsupercloud_shim.so")).Should().BeTrue(
            "the agent's build output must carry the native shim it calls for migrations");
        ShimLibrary.EnsureCompatible();
        if (Environment.GetEnvironmentVariable("SUPERCLOUD_SHIM_LIBRARY") is null)
        {
            Path.GetDirectoryName(ShimLibrary.LoadedPath).Should().Be(agentDirectory);
        }
    }
}
