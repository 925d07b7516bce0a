using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Policies;

/// <summary>
/// Applies a MigrationPolicy: evaluates the SuperPods it governs with <see cref="PolicyEngine"/> and creates the
/// SuperPodMigrations it decides (reason SpotPrice, SpotInterruption or FollowTheSun, labelled with the policy), which the
/// migration controller's admission and fencing then carry out; taints SuperNodes under an interruption notice; records
/// an Event with the numbers of each decision; and reports matchedSuperPods, migrationsToday, lastTriggerTime and a
/// Ready condition that names the field of an invalid spec.
/// </summary>
public sealed partial class MigrationPolicyReconciler(
    Informer<MigrationPolicy> policies, Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters,
    Informer<SuperPodMigration> migrations, Informer<V1Namespace> namespaces, ResourceClient<SuperPodMigration> migrationClient,
    ResourceClient<SuperNode> nodeClient, StatusWriter<MigrationPolicy> policyStatus, EventRecorder events, MigrationControllerOptions limits,
    PolicyControllerOptions options, TimeProvider timeProvider, ILogger<MigrationPolicyReconciler> logger) : IReconciler
{
    // Migrations created here that the cache may not show yet, so a second evaluation right after the first does not
    // move the same SuperPod twice (controller-runtime's expectations).
    private readonly ConcurrentDictionary<string, (string Name, DateTime Created)> _created = new(StringComparer.Ordinal);

    /// <summary>The policy that governs <paramref name="pod"/> among <paramref name="all"/>, with the namespace labels from the cache.</summary>
    public MigrationPolicy? PolicyOf(SuperPod pod, IEnumerable<MigrationPolicy> all)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var labels = namespaces.Cache.Get(new ObjectKey(null, pod.Metadata.NamespaceProperty ?? ""))?.Metadata.Labels;
        return MigrationLimitsResolver.PolicyFor(pod, labels?.AsReadOnly(), all);
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var policy = policies.Cache.Get(key);
        if (policy is null || policy.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var all = policies.Cache.List().ToList();
        var governed = pods.Cache.List().Where(p => PolicyOf(p, all)?.Metadata.Name == key.Name).ToList();
        var mine = migrations.Cache.List()
            .Where(m => m.Metadata.Labels?.TryGetValue(SuperCloudApi.MigrationPolicyLabel, out var p) == true && p == key.Name)
            .ToList();

        PolicyRules rules;
        try
        {
            rules = PolicyRulesParser.Parse(policy);
        }
        catch (FormatException e)
        {
            await WriteStatusAsync(key, policy, governed.Count, mine, now,
                new V1Condition { Type = ConditionTypes.Ready, Status = "False", Reason = "InvalidSpec", Message = e.Message }, cancellationToken);
            return ReconcileResult.Done;
        }

        await TaintNoticedNodesAsync(cancellationToken);

        var world = BuildWorld(rules, governed, now, out var problems);
        var plan = PolicyEngine.Plan(world);
        foreach (var decision in plan.Decisions)
        {
            await CreateAsync(policy, decision, governed, now, cancellationToken);
        }

        foreach (var deferral in plan.Deferrals)
        {
            LogDeferred(key.Name, deferral.Pod, deferral.Reason);
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"{governed.Count} SuperPod(s) governed; {plan.Decisions.Count} migration(s) started, {plan.Deferrals.Count} held back")
            + (plan.Deferrals.Count > 0 ? $" ({plan.Deferrals[0].Pod}: {plan.Deferrals[0].Reason})" : "")
            + (problems.Count > 0 ? $"; ignored: {string.Join("; ", problems)}" : "");
        await WriteStatusAsync(key, policy, governed.Count, mine, now,
            new V1Condition { Type = ConditionTypes.Ready, Status = "True", Reason = "Applied", Message = Truncate(message, 1024) }, cancellationToken);

        var next = plan.NextEvaluation is { } at ? at - now : options.MaxRequeue;
        return ReconcileResult.After(TimeSpan.FromTicks(Math.Clamp(next.Ticks, TimeSpan.FromMilliseconds(500).Ticks, options.MaxRequeue.Ticks)));
    }

    private PolicyWorld BuildWorld(PolicyRules rules, List<SuperPod> governed, DateTime now, out List<string> problems)
    {
        problems = [];
        var policyClusters = new List<PolicyCluster>();
        foreach (var cluster in clusters.Cache.List())
        {
            try
            {
                policyClusters.Add(PolicyWorldBuilder.Cluster(cluster));
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                problems.Add(e.Message);
            }
        }

        var allNodes = nodes.Cache.List().ToList();
        var snapshot = ClusterSnapshot.Build(clusters.Cache.List(), allNodes, pods.Cache.List());
        var all = migrations.Cache.List().ToList();
        var unfinished = all.Where(m => !SuperPodMigrationReconciler.IsFinished(m.Status?.Phase) && m.Metadata.DeletionTimestamp is null).ToList();
        var busy = unfinished.Select(m => $"{m.Metadata.NamespaceProperty}/{m.Spec.SuperPod}").ToHashSet(StringComparer.Ordinal);
        foreach (var (pod, expected) in _created)
        {
            if (all.Exists(m => m.Metadata.Name == expected.Name) || now - expected.Created > TimeSpan.FromMinutes(1))
            {
                _created.TryRemove(pod, out _);
            }
            else
            {
                busy.Add(pod);
            }
        }

        var policyPods = new List<PolicyPod>();
        foreach (var pod in governed)
        {
            try
            {
                if (PolicyWorldBuilder.Pod(pod, rules, policyClusters, busy.Contains(ObjectKey.From(pod).ToString())) is { } p)
                {
                    policyPods.Add(p);
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                problems.Add($"SuperPod {ObjectKey.From(pod)}: {e.Message}");
            }
        }

        var active = unfinished
            .Select(m => m.Status?.Source?.Node ?? pods.Cache.Get(new ObjectKey(m.Metadata.NamespaceProperty, m.Spec.SuperPod))?.Status?.Node)
            .Where(n => n is not null)
            .GroupBy(n => n!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new PolicyWorld(now, policyPods, policyClusters, PolicyWorldBuilder.Nodes(snapshot, allNodes), [.. all.Select(PolicyWorldBuilder.Past)],
            options.Costs, limits.MaxParallelMigrations, limits.MaxOutboundPerNode, active);
    }

    private async Task CreateAsync(MigrationPolicy policy, PolicyDecision decision, List<SuperPod> governed, DateTime now, CancellationToken cancellationToken)
    {
        var podKey = ObjectKey.Parse(decision.Pod);
        var pod = governed.First(p => ObjectKey.From(p) == podKey);
        var suffix = decision.Reason switch
        {
            MigrationReason.SpotInterruption => "interruption",
            MigrationReason.SpotPrice => "spot",
            _ => "sun",
        };
        var migration = new SuperPodMigration
        {
            Metadata = new V1ObjectMeta
            {
                GenerateName = $"{Truncate(podKey.Name, 40).TrimEnd('-', '.')}-{suffix}-",
                NamespaceProperty = podKey.Namespace,
                Labels = new Dictionary<string, string> { [SuperCloudApi.MigrationPolicyLabel] = policy.Metadata.Name },
            },
            Spec = new SuperPodMigrationSpec
            {
                SuperPod = podKey.Name,
                Reason = decision.Reason,
                Target = decision.TargetNode is { } node ? new MigrationTarget { Node = node } : new MigrationTarget { Cluster = decision.TargetCluster },

                // Post-copy right after a short pre-copy round: the notice leaves no time for pre-copy to converge.
                Limits = decision.PostCopy ? new MigrationLimits { AllowPostCopy = true, AllowAutoConverge = false, CompletionTimeoutPerGiB = "1s" } : null,
            },
        };
        var created = await migrationClient.CreateAsync(migration, cancellationToken);
        _created[decision.Pod] = (created.Metadata.Name, now);
        LogDecided(policy.Metadata.Name, decision.Pod, decision.Reason, created.Metadata.Name, decision.Message);
        var text = Truncate($"{created.Metadata.Name}: {decision.Message}", 1000);
        await events.NormalAsync(pod, decision.Reason.ToString(), text, cancellationToken);
        await events.NormalAsync(policy, decision.Reason.ToString(), Truncate($"{decision.Pod} → {text}", 1000), cancellationToken);
    }

    // A node under an interruption notice takes no new SuperPods: the same taint aws-node-termination-handler puts on a Node.
    private async Task TaintNoticedNodesAsync(CancellationToken cancellationToken)
    {
        foreach (var node in nodes.Cache.List().Where(n => n.Status?.InterruptionNotice?.Time is not null))
        {
            if (node.Spec.Taints?.Any(t => t.Key == SuperCloudApi.InterruptionTaint) == true)
            {
                continue;
            }

            var action = node.Status!.InterruptionNotice!.Reason is { Length: > 0 } reason ? reason : "terminate";
            var taints = (node.Spec.Taints ?? []).Append(new V1Taint { Key = SuperCloudApi.InterruptionTaint, Value = action, Effect = "NoSchedule" })
                .Select(t => new Dictionary<string, string?> { ["key"] = t.Key, ["value"] = t.Value, ["effect"] = t.Effect })
                .ToList();
            var patch = System.Text.Json.JsonSerializer.Serialize(new
            {
                metadata = new { resourceVersion = node.Metadata.ResourceVersion },
                spec = new { taints },
            });
            try
            {
                await nodeClient.PatchAsync(ObjectKey.From(node), patch, ResourceClient<SuperNode>.MergePatch, null, cancellationToken);
                if (logger.IsEnabled(LogLevel.Information))
                {
                    LogTainted(node.Metadata.Name, action);
                }

                await events.WarningAsync(node, "InterruptionTainted", $"spot {action} notice for {node.Status.InterruptionNotice.Time:O}: tainted {SuperCloudApi.InterruptionTaint}={action}:NoSchedule", cancellationToken);
            }
            catch (KubernetesApiException e) when (e.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.NotFound)
            {
                // The next event for the node brings it back here with its current version.
            }
        }
    }

    private async Task WriteStatusAsync(ObjectKey key, MigrationPolicy policy, int matched, List<SuperPodMigration> mine, DateTime now, V1Condition ready, CancellationToken cancellationToken)
    {
        var today = mine.Count(m => m.Metadata.CreationTimestamp is { } c && c.Date == now.Date);
        DateTime? last = mine.Count > 0 ? mine.Max(m => m.Metadata.CreationTimestamp) : null;
        await policyStatus.UpdateAsync(key, p =>
        {
            var status = p.Status ??= new MigrationPolicyStatus();
            var changed = status.MatchedSuperPods != matched || status.MigrationsToday != today || status.ObservedGeneration != policy.Metadata.Generation
                || (last is not null && status.LastTriggerTime != last);
            status.MatchedSuperPods = matched;
            status.MigrationsToday = today;
            status.ObservedGeneration = p.Metadata.Generation;
            if (last is not null)
            {
                status.LastTriggerTime = last;
            }

            return Conditions.Set(status.Conditions ??= [], ready, timeProvider) | changed;
        }, cancellationToken);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "MigrationPolicy {Policy}: {Reason} migration {Migration} of {Pod}: {Decision}")]
    private partial void LogDecided(string policy, string pod, MigrationReason reason, string migration, string decision);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MigrationPolicy {Policy}: {Pod} held back: {Why}")]
    private partial void LogDeferred(string policy, string pod, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "SuperNode {Node} tainted for a spot {Action} notice")]
    private partial void LogTainted(string node, string action);
}
