namespace SuperCloud.Operator.Migrations;

/// <summary>Where a migrating SuperPod's status says its VM runs, against the migration's own epochs.</summary>
public enum PodOwner
{
    /// <summary>On the migration's source at the source epoch: the API still names the source owner.</summary>
    Source,

    /// <summary>On the target at the target epoch: the switch-over was written.</summary>
    Target,

    /// <summary>On the source at the roll-back epoch: the roll-back was written.</summary>
    RolledBack,

    /// <summary>Anything else: another node or another epoch.</summary>
    Other,
}
