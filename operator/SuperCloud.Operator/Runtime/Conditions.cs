using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>Kubernetes condition helpers (apimachinery's meta.SetStatusCondition): lastTransitionTime moves only when the status changes.</summary>
public static class Conditions
{
    /// <summary>
    /// Adds or updates the condition of <paramref name="condition"/>'s type. Returns true when anything changed
    /// (so the caller knows whether a status write is needed).
    /// </summary>
    public static bool Set(IList<V1Condition> conditions, V1Condition condition, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrEmpty(condition.Type, "condition.Type");
        if (condition.Status is not ("True" or "False" or "Unknown"))
        {
            throw new ArgumentException($"condition.Status must be True, False or Unknown, not '{condition.Status}'", nameof(condition));
        }

        ArgumentException.ThrowIfNullOrEmpty(condition.Reason, "condition.Reason");
        var existing = Find(conditions, condition.Type);
        if (existing is null)
        {
            conditions.Add(new V1Condition
            {
                Type = condition.Type,
                Status = condition.Status,
                Reason = condition.Reason,
                Message = condition.Message ?? string.Empty,
                ObservedGeneration = condition.ObservedGeneration,
                LastTransitionTime = TransitionTime(condition, timeProvider),
            });
            return true;
        }

        var changed = false;
        if (existing.Status != condition.Status)
        {
            existing.Status = condition.Status;
            existing.LastTransitionTime = TransitionTime(condition, timeProvider);
            changed = true;
        }

        if (existing.Reason != condition.Reason)
        {
            existing.Reason = condition.Reason;
            changed = true;
        }

        if (existing.Message != (condition.Message ?? string.Empty))
        {
            existing.Message = condition.Message ?? string.Empty;
            changed = true;
        }

        if (existing.ObservedGeneration != condition.ObservedGeneration)
        {
            existing.ObservedGeneration = condition.ObservedGeneration;
            changed = true;
        }

        return changed;
    }

    private static DateTime TransitionTime(V1Condition condition, TimeProvider timeProvider)
    {
        if (condition.LastTransitionTime != default)
        {
            return condition.LastTransitionTime;
        }

        // The API stores RFC 3339 seconds; keeping sub-seconds would make every re-read look like a change.
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
    }

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.Ordinal));

    /// <summary>True when the condition of <paramref name="type"/> exists with status True.</summary>
    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == "True";

    /// <summary>Removes the condition of <paramref name="type"/>; returns whether it existed.</summary>
    public static bool Remove(IList<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = Find(conditions, type);
        return existing is not null && conditions.Remove(existing);
    }
}
