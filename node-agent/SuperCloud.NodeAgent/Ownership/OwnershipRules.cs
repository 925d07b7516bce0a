namespace SuperCloud.NodeAgent.Ownership;

/// <summary>
/// The fencing rules of one host, as pure functions of a VM's ownership record: each returns the record after the
/// change, or throws <see cref="OwnershipConflictException"/> saying why the change is refused. A copy runs only under
/// the epoch it was created with, never under one older than an epoch the host has seen for the VM; a copy whose state
/// was handed over resumes only through the migration's roll-back (under a newer epoch, and never after post-copy); an
/// incoming copy resumes only through its own migration and never after that migration was aborted here.
/// </summary>
public static class OwnershipRules
{
    /// <summary>How many aborted migrations a record remembers (the oldest go first).</summary>
    public const int MaxAborted = 32;

    /// <summary>A new copy defined at <paramref name="epoch"/> (CreateVm).</summary>
    public static OwnershipRecord Create(OwnershipRecord? record, string vmId, long epoch, DateTimeOffset now)
    {
        const string operation = "create";
        if (record is not null && epoch < record.Epoch)
        {
            throw Stale(vmId, operation, epoch, record.Epoch);
        }

        return Held(record, vmId, epoch, now);
    }

    /// <summary>Checks that the copy may be started or resumed at <paramref name="epoch"/> (StartVm, ResumeVm).</summary>
    public static OwnershipRecord Run(OwnershipRecord? record, string vmId, long epoch, string operation, DateTimeOffset now)
    {
        // A VM defined before this host kept ownership records carries none: it is adopted at the caller's epoch.
        record ??= Held(null, vmId, epoch, now);
        if (epoch < record.Epoch)
        {
            throw Stale(vmId, operation, epoch, record.Epoch);
        }

        if (record.HeldEpoch != epoch)
        {
            throw new OwnershipConflictException(vmId, operation, record.HeldEpoch is { } held
                ? $"this host's copy has epoch {held}, not {epoch}"
                : $"this host holds no copy of the VM at epoch {epoch}");
        }

        if (record.Outgoing is { } outgoing && (outgoing.HandedOver || outgoing.PostCopy))
        {
            throw new OwnershipConflictException(vmId, operation, outgoing.PostCopy
                ? $"post-copy of migration {outgoing.MigrationId} began: the VM runs on the target (epoch {outgoing.TargetEpoch}) and this copy never resumes"
                : $"its state was handed over to epoch {outgoing.TargetEpoch} by migration {outgoing.MigrationId}; only rolling that migration back resumes it here");
        }

        if (record.IncomingMigration is { } incoming && !record.Resumed)
        {
            throw new OwnershipConflictException(vmId, operation, $"it is the target of migration {incoming}, which has not switched over; only the migration resumes it");
        }

        return record with { Epoch = Math.Max(record.Epoch, epoch) };
    }

    /// <summary>The target of <paramref name="migrationId"/> defines its copy at <paramref name="epoch"/>.</summary>
    public static OwnershipRecord PrepareIncoming(OwnershipRecord? record, string vmId, string migrationId, long epoch, DateTimeOffset now)
    {
        const string operation = "prepare incoming migration of";
        if (record?.AbortOf(migrationId) is not null)
        {
            throw new OwnershipConflictException(vmId, operation, $"migration {migrationId} was aborted on this host; it is never prepared here again");
        }

        if (record is not null && epoch < record.Epoch)
        {
            throw Stale(vmId, operation, epoch, record.Epoch);
        }

        if (record is not null && record.IncomingMigration == migrationId && record.HeldEpoch == epoch)
        {
            return record;
        }

        return Held(record, vmId, epoch, now) with { IncomingMigration = migrationId };
    }

    /// <summary>The incoming copy of <paramref name="migrationId"/> resumes (its switch-over); <paramref name="epoch"/> 0 means "whichever it has".</summary>
    public static OwnershipRecord ResumeIncoming(OwnershipRecord? record, string vmId, string migrationId, long epoch, DateTimeOffset now)
    {
        const string operation = "resume migrated-in";
        if (record?.AbortOf(migrationId) is not null)
        {
            throw new OwnershipConflictException(vmId, operation, $"migration {migrationId} was aborted on this host: its copy never resumes");
        }

        if (record is null || record.IncomingMigration != migrationId || record.HeldEpoch is not { } held)
        {
            throw new OwnershipConflictException(vmId, operation, $"this host holds no copy that migration {migrationId} brought");
        }

        if (epoch != 0 && epoch != held)
        {
            throw new OwnershipConflictException(vmId, operation, $"migration {migrationId}'s copy here has epoch {held}, not {epoch}");
        }

        if (held < record.Epoch)
        {
            throw Stale(vmId, operation, held, record.Epoch);
        }

        return record.Resumed ? record : record with { Resumed = true, UpdatedAt = now };
    }

    /// <summary>
    /// Aborts <paramref name="migrationId"/> on this host for good: refused once its copy resumed here
    /// (<paramref name="copyRuns"/> says whether the hypervisor runs it, for a resume not yet recorded).
    /// </summary>
    public static OwnershipRecord AbortIncoming(OwnershipRecord? record, string vmId, string migrationId, long epoch, bool copyRuns, DateTimeOffset now)
    {
        var ours = record?.IncomingMigration == migrationId;
        if (ours && (record!.Resumed || copyRuns))
        {
            throw new OwnershipConflictException(vmId, "abort incoming migration of", $"migration {migrationId} switched over: the VM runs on this host");
        }

        record ??= new OwnershipRecord { VmId = vmId, UpdatedAt = now };
        if (record.AbortOf(migrationId) is not null)
        {
            return record;
        }

        var abortedEpoch = epoch != 0 ? epoch : ours ? record.HeldEpoch ?? 0 : 0;
        var aborted = record.Aborted.Append(new AbortedMigration(migrationId, abortedEpoch, now)).TakeLast(MaxAborted).ToList();
        var next = record with { Epoch = Math.Max(record.Epoch, abortedEpoch), Aborted = aborted, UpdatedAt = now };
        return ours ? next with { HeldEpoch = null, IncomingMigration = null, Resumed = false } : next;
    }

    /// <summary>The held copy at <paramref name="sourceEpoch"/> starts to go to <paramref name="targetEpoch"/> by <paramref name="migrationId"/>.</summary>
    public static OwnershipRecord StartOutgoing(OwnershipRecord? record, string vmId, string migrationId, long sourceEpoch, long targetEpoch, DateTimeOffset now)
    {
        const string operation = "start outgoing migration of";
        record ??= Held(null, vmId, sourceEpoch, now);
        if (record.Outgoing?.MigrationId == migrationId)
        {
            return record;
        }

        if (targetEpoch <= sourceEpoch)
        {
            throw new OwnershipConflictException(vmId, operation, $"the target's epoch {targetEpoch} must be newer than the source's {sourceEpoch}");
        }

        if (sourceEpoch < record.Epoch)
        {
            throw Stale(vmId, operation, sourceEpoch, record.Epoch);
        }

        if (record.HeldEpoch != sourceEpoch)
        {
            throw new OwnershipConflictException(vmId, operation, record.HeldEpoch is { } held
                ? $"this host's copy has epoch {held}, not the source epoch {sourceEpoch}"
                : "this host holds no copy of the VM");
        }

        if (record.Outgoing is { } other && (other.HandedOver || other.PostCopy))
        {
            throw new OwnershipConflictException(vmId, operation, $"its state was already handed over by migration {other.MigrationId}");
        }

        if (record.IncomingMigration is { } incoming && !record.Resumed)
        {
            throw new OwnershipConflictException(vmId, operation, $"it is itself the target of migration {incoming}, which has not switched over");
        }

        return record with { Outgoing = new OutgoingRecord(migrationId, targetEpoch, PostCopy: false, HandedOver: false), UpdatedAt = now };
    }

    /// <summary>Post-copy of <paramref name="migrationId"/> is about to be asked of the hypervisor.</summary>
    public static OwnershipRecord BeginPostCopy(OwnershipRecord? record, string vmId, string migrationId, DateTimeOffset now)
    {
        var outgoing = OutgoingOf(record, vmId, migrationId, "start post-copy of");
        return outgoing.PostCopy ? record! : record! with { Outgoing = outgoing with { PostCopy = true }, UpdatedAt = now };
    }

    /// <summary>The hypervisor handed the VM's state over to the target of <paramref name="migrationId"/>.</summary>
    public static OwnershipRecord HandOver(OwnershipRecord? record, string vmId, string migrationId, bool postCopy, DateTimeOffset now)
    {
        var outgoing = OutgoingOf(record, vmId, migrationId, "hand over");
        if (outgoing.HandedOver && (outgoing.PostCopy || !postCopy))
        {
            return record!;
        }

        return record! with
        {
            Epoch = Math.Max(record.Epoch, outgoing.TargetEpoch),
            Outgoing = outgoing with { HandedOver = true, PostCopy = outgoing.PostCopy || postCopy },
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// The transfer of <paramref name="migrationId"/> ended without a handover. A post-copy request is forgotten only when
    /// the hypervisor runs the copy again (<paramref name="copyRuns"/>): it resumed it because post-copy never took over.
    /// </summary>
    public static OwnershipRecord EndOutgoing(OwnershipRecord? record, string migrationId, bool copyRuns, DateTimeOffset now)
    {
        if (record?.Outgoing is not { } outgoing || outgoing.MigrationId != migrationId || outgoing.HandedOver || (outgoing.PostCopy && !copyRuns))
        {
            return record!;
        }

        return record with { Outgoing = null, UpdatedAt = now };
    }

    /// <summary>
    /// Rolls the handover of <paramref name="migrationId"/> back: the copy at <paramref name="epoch"/> runs again under
    /// <paramref name="newEpoch"/>, newer than any this host has seen. The caller has the target's word that its copy is
    /// gone for good.
    /// </summary>
    public static OwnershipRecord RollBack(OwnershipRecord? record, string vmId, string migrationId, long epoch, long newEpoch, DateTimeOffset now)
    {
        const string operation = "roll back migration of";
        if (record is not null && record.HeldEpoch == newEpoch && record.Outgoing is null)
        {
            return record;
        }

        var outgoing = OutgoingOf(record, vmId, migrationId, operation);
        if (outgoing.PostCopy)
        {
            throw new OwnershipConflictException(vmId, operation,
                $"post-copy of migration {migrationId} began: the VM ran on the target and this copy's memory is stale; it never resumes");
        }

        if (record!.HeldEpoch != epoch)
        {
            throw new OwnershipConflictException(vmId, operation, $"this host's copy has epoch {record.HeldEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {epoch}");
        }

        if (newEpoch <= record.Epoch || newEpoch <= outgoing.TargetEpoch)
        {
            throw new OwnershipConflictException(vmId, operation,
                $"the new epoch {newEpoch} must be newer than epoch {Math.Max(record.Epoch, outgoing.TargetEpoch)}, which this host has seen");
        }

        return record with { Epoch = newEpoch, HeldEpoch = newEpoch, Outgoing = null, UpdatedAt = now };
    }

    /// <summary>The held copy was deleted; the epochs seen and the aborted migrations stay.</summary>
    public static OwnershipRecord Release(OwnershipRecord? record, string vmId, DateTimeOffset now) =>
        (record ?? new OwnershipRecord { VmId = vmId }) with { HeldEpoch = null, IncomingMigration = null, Resumed = false, Outgoing = null, UpdatedAt = now };

    private static OwnershipRecord Held(OwnershipRecord? record, string vmId, long epoch, DateTimeOffset now) =>
        (record ?? new OwnershipRecord { VmId = vmId }) with
        {
            Epoch = Math.Max(record?.Epoch ?? 0, epoch),
            HeldEpoch = epoch,
            IncomingMigration = null,
            Resumed = false,
            Outgoing = null,
            UpdatedAt = now,
        };

    private static OutgoingRecord OutgoingOf(OwnershipRecord? record, string vmId, string migrationId, string operation) =>
        record?.Outgoing is { } outgoing && outgoing.MigrationId == migrationId
            ? outgoing
            : throw new OwnershipConflictException(vmId, operation, $"this host's copy is not being sent by migration {migrationId}");

    private static OwnershipConflictException Stale(string vmId, string operation, long epoch, long seen) =>
        new(vmId, operation, $"epoch {epoch} is older than epoch {seen}, which this host has seen for the VM");
}
