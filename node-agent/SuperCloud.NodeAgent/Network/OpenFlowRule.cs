using System.Globalization;

namespace SuperCloud.NodeAgent.Network;

/// <summary>One OpenFlow flow in <c>ovs-ofctl</c> syntax.</summary>
/// <param name="Table">Its table.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Match">The match fields (comma-separated, empty for all packets).</param>
/// <param name="Actions">The actions.</param>
/// <param name="Cookie">Who the flow belongs to: a VM's cookie, or the bridge's.</param>
public sealed record OpenFlowRule(int Table, int Priority, string Match, string Actions, ulong Cookie)
{
    /// <summary>What identifies the flow in its table (OpenFlow's strict match): table, priority and match.</summary>
    public string Key => Match.Length == 0
        ? string.Create(CultureInfo.InvariantCulture, $"table={Table},priority={Priority}")
        : string.Create(CultureInfo.InvariantCulture, $"table={Table},priority={Priority},{Match}");

    /// <summary>The flow as <c>ovs-ofctl add-flow</c> takes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"cookie=0x{Cookie:x},{Key},actions={Actions}");
}
