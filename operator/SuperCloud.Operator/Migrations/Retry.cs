namespace SuperCloud.Operator.Migrations;

/// <summary>When a waiting migration is looked at again.</summary>
public enum Retry
{
    /// <summary>After the pending requeue (waiting for a slot, the SuperPod, or a node).</summary>
    Pending,

    /// <summary>After the progress interval (a transfer under way).</summary>
    Progress,

    /// <summary>Through the rate limiter, backing off (an agent does not answer).</summary>
    Backoff,
}
