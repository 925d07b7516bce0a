namespace SuperCloud.Operator.Migrations;

/// <summary>One of the two agents of a migration.</summary>
public enum Party
{
    /// <summary>The agent of the node the SuperPod leaves.</summary>
    Source,

    /// <summary>The agent of the node the SuperPod goes to.</summary>
    Target,
}
