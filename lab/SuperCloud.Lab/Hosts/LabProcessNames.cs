namespace SuperCloud.Lab.Hosts;

/// <summary>The names processes are recorded under in the lab's state file.</summary>
public static class LabProcessNames
{
    /// <summary>The foreground <c>supercloud-lab up</c>, which also runs the API server.</summary>
    public const string Up = "up";

    /// <summary>The operator.</summary>
    public const string Operator = "operator";

    /// <summary>The OCI registry of <paramref name="cloud"/>.</summary>
    public static string Registry(string cloud) => "registry/" + cloud;

    /// <summary>The node agent of <paramref name="host"/>.</summary>
    public static string Agent(string host) => "agent/" + host;

    /// <summary>The ovsdb-server of <paramref name="host"/>'s Open vSwitch.</summary>
    public static string OvsDatabase(string host) => "ovsdb/" + host;

    /// <summary>The ovs-vswitchd of <paramref name="host"/>'s Open vSwitch.</summary>
    public static string OvsSwitch(string host) => "ovs/" + host;
}
