using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Writes the /status subresource of <typeparamref name="T"/> objects: always from a fresh read, with
/// status.observedGeneration set to metadata.generation, and retried on 409 Conflict (a concurrent writer).
/// </summary>
/// <typeparam name="T">The kind.</typeparam>
public sealed class StatusWriter<T>(ResourceClient<T> client, TimeProvider timeProvider, ILogger<StatusWriter<T>> logger)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>How many times a write is attempted before a conflict is given up on (and the reconcile retried).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>
    /// Reads the object, lets <paramref name="mutate"/> change its status (returning whether it did) and writes the
    /// status if it or observedGeneration changed. Returns the written (or unchanged) object, or null if it no longer exists.
    /// </summary>
    public Task<T?> UpdateAsync(ObjectKey key, Func<T, bool> mutate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        return WriteAsync(
            key,
            json =>
            {
                var typed = KubernetesJson.Deserialize<T>(json);
                if (!mutate(typed))
                {
                    return false;
                }

                var mutated = JsonNode.Parse(KubernetesJson.Serialize(typed))!.AsObject();
                json["status"] = mutated["status"]?.DeepClone();
                return true;
            },
            cancellationToken);
    }

    /// <summary>
    /// Sets one condition in status.conditions (lastTransitionTime moves only when its status changes), working on
    /// the raw JSON so status fields the C# type does not model survive. Returns null if the object no longer exists.
    /// </summary>
    public Task<T?> SetConditionAsync(ObjectKey key, V1Condition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WriteAsync(
            key,
            json =>
            {
                var status = json["status"] as JsonObject ?? [];
                json["status"] = status;
                var conditions = status["conditions"] is JsonArray array
                    ? KubernetesJson.Deserialize<List<V1Condition>>(array)
                    : [];
                condition.ObservedGeneration ??= json["metadata"]?["generation"]?.GetValue<long?>();
                if (!Conditions.Set(conditions, condition, timeProvider))
                {
                    return false;
                }

                status["conditions"] = JsonNode.Parse(KubernetesJson.Serialize(conditions));
                return true;
            },
            cancellationToken);
    }

    private async Task<T?> WriteAsync(ObjectKey key, Func<JsonObject, bool> mutate, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var json = await client.GetJsonAsync(key, cancellationToken);
            if (json is null)
            {
                return null;
            }

            var changed = mutate(json);
            var generation = json["metadata"]?["generation"]?.GetValue<long?>();
            if (generation is not null)
            {
                var status = json["status"] as JsonObject ?? [];
                json["status"] = status;
                if (status["observedGeneration"]?.GetValue<long?>() != generation)
                {
                    status["observedGeneration"] = generation;
                    changed = true;
                }
            }

            if (!changed)
            {
                return KubernetesJson.Deserialize<T>(json);
            }

            try
            {
                return await client.ReplaceJsonAsync(key, json, "status", cancellationToken);
            }
            catch (KubernetesApiException e) when (e.IsConflict && attempt < MaxAttempts)
            {
                // Someone wrote in between; re-read and re-apply, like retry.RetryOnConflict.
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.LogDebug("Status write of {Kind} {Key} conflicted (attempt {Attempt}); retrying", client.Type.Kind, key, attempt);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt * (1 + Random.Shared.NextDouble())), timeProvider, cancellationToken);
            }
        }
    }
}
