using Google.Protobuf.WellKnownTypes;
using SuperCloud.NodeAgent.Network;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Converts the network's report into its wire message.</summary>
internal static class NetworkMapping
{
    public static V1.NetworkStatus ToStatus(NetworkReport report)
    {
        var status = new V1.NetworkStatus
        {
            Generation = report.Generation,
            Ready = report.Ready,
            Reason = report.Reason,
            Message = report.Message,
            Flows = report.Flows,
            AppliedAt = report.AppliedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        };
        status.LocalVms.AddRange(report.LocalVms);
        return status;
    }
}
