namespace SuperCloud.Operator.Migrations;

/// <summary>How an agent answered a command, typed from its gRPC status: done (with its report), or why not.</summary>
public abstract record AgentOutcome
{
    private AgentOutcome()
    {
    }

    /// <summary>Done; the agent's report of the migration, when the command returns one.</summary>
    public sealed record Done(MigrationReport? Report) : AgentOutcome;

    /// <summary>The SuperNode does not exist or names no endpoint.</summary>
    public sealed record NodeMissing(string Text) : AgentOutcome;

    /// <summary>No answer: no connection, deadline exceeded. Whether the command took effect is unknown.</summary>
    public sealed record Unreachable(string Text) : AgentOutcome;

    /// <summary>NotFound: the agent has no such VM or migration.</summary>
    public sealed record NotFound(string Text) : AgentOutcome;

    /// <summary>FailedPrecondition: refused in the current state (an ownership rule, a handed-over VM, a running copy).</summary>
    public sealed record Refused(string Text) : AgentOutcome;

    /// <summary>AlreadyExists: a copy of the VM is there already (being removed, or left by an earlier migration).</summary>
    public sealed record Busy(string Text) : AgentOutcome;

    /// <summary>ResourceExhausted: the VM does not fit on the node.</summary>
    public sealed record Full(string Text) : AgentOutcome;

    /// <summary>InvalidArgument or Unimplemented: the request cannot be served as made.</summary>
    public sealed record Invalid(string Text) : AgentOutcome;

    /// <summary>What the agent said, for messages.</summary>
    public string Detail => this switch
    {
        Done done => done.Report?.Status.Message ?? "",
        NodeMissing m => m.Text,
        Unreachable u => u.Text,
        NotFound n => n.Text,
        Refused r => r.Text,
        Busy b => b.Text,
        Full f => f.Text,
        Invalid i => i.Text,
        _ => "",
    };
}
