namespace SuperCloud.Operator.Migrations;

/// <summary>A migration's source or target SuperNode as the cache shows it.</summary>
/// <param name="Name">The node's name (from the migration's status; empty when not chosen yet).</param>
/// <param name="Exists">The SuperNode exists and names an agent endpoint.</param>
/// <param name="Ready">Its heartbeat is current.</param>
/// <param name="Fenced">It is annotated fenced: the host is confirmed off, so no copy of the VM runs there.</param>
public sealed record NodeView(string Name, bool Exists, bool Ready, bool Fenced)
{
    /// <summary>A node nobody could find.</summary>
    public static NodeView Missing(string name) => new(name, false, false, false);
}
