namespace SuperCloud.NodeAgent.Ownership;

/// <summary>When a changed ownership record is written relative to the act it allows.</summary>
public enum OwnershipWrite
{
    /// <summary>Written first: the act must never happen without the record (an abort before the copy is deleted).</summary>
    BeforeAct,

    /// <summary>Written first, and put back as it was when the act fails (a copy that could not be prepared).</summary>
    BeforeActUndoneOnFailure,

    /// <summary>Written after the act succeeded: a failed act leaves the record as it was (a create that was refused).</summary>
    AfterAct,
}
