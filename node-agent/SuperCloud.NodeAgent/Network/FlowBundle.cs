using System.Text;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// The change from one flow set to another as one <c>ovs-ofctl --bundle add-flows</c> input: strict deletes of the flows
/// that went or changed, adds of the new ones. The bundle commits atomically, so no packet meets a half-changed table
/// (a changed flow is never deleted-then-added on the live path).
/// </summary>
public static class FlowBundle
{
    /// <summary>The bundle from <paramref name="installed"/> (by <see cref="OpenFlowRule.Key"/>) to <paramref name="desired"/>; empty when they are the same.</summary>
    public static (string Text, int Changes) Diff(IReadOnlyDictionary<string, OpenFlowRule> installed, IReadOnlyList<OpenFlowRule> desired)
    {
        ArgumentNullException.ThrowIfNull(installed);
        ArgumentNullException.ThrowIfNull(desired);
        var text = new StringBuilder();
        var changes = 0;
        var wanted = desired.ToDictionary(f => f.Key, StringComparer.Ordinal);
        foreach (var (key, flow) in installed)
        {
            if (!wanted.TryGetValue(key, out var next) || next != flow)
            {
                text.Append("delete_strict ").Append(key).Append('\n');
                changes++;
            }
        }

        foreach (var flow in desired)
        {
            if (!installed.TryGetValue(flow.Key, out var current) || current != flow)
            {
                text.Append("add ").Append(flow).Append('\n');
                changes++;
            }
        }

        return (text.ToString(), changes);
    }
}
