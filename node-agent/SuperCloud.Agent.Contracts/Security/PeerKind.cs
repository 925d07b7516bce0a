namespace SuperCloud.Agent.Contracts.Security;

/// <summary>What a certificate identity stands for.</summary>
public enum PeerKind
{
    /// <summary>The operator: the only caller of the agents' VM API.</summary>
    Operator,

    /// <summary>A node agent, named like its SuperNode.</summary>
    Node,
}
