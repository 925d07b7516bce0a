using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;

namespace SuperCloud.Operator.Tests.Migrations;

/// <summary>Limits come field by field from the migration, then the SuperPod's policy, then the built-in defaults.</summary>
public sealed class MigrationLimitsResolverTests
{
    private static readonly IReadOnlyDictionary<string, string> Team = new Dictionary<string, string> { ["team"] = "web" };

    [Fact]
    public void Unset_fields_inherit_from_the_policy_then_the_defaults()
    {
        var policy = Policy("slow", limits: new MigrationLimits { Bandwidth = new ResourceQuantity("64Mi"), MaxDowntime = "50ms", AllowPostCopy = true });

        var limits = MigrationLimitsResolver.Resolve(new MigrationLimits { MaxDowntime = "1s" }, policy);

        limits.Should().Be(new EffectiveMigrationLimits(64L << 20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(150), TimeSpan.FromSeconds(150), false, true, "slow"));
    }

    [Fact]
    public void Without_a_policy_the_defaults_are_KubeVirts()
    {
        MigrationLimitsResolver.Resolve(null, null).Should().Be(EffectiveMigrationLimits.Defaults);
        EffectiveMigrationLimits.Defaults.CompletionTimeout(512L << 20).Should().Be(TimeSpan.FromSeconds(150), "at least one GiB is counted");
        EffectiveMigrationLimits.Defaults.CompletionTimeout(4L << 30).Should().Be(TimeSpan.FromSeconds(600));
    }

    [Fact]
    public void The_named_policy_wins_only_when_its_selectors_match_else_the_highest_priority_matching_one()
    {
        var pod = Pod("vm", policy: "gold");
        var gold = Policy("gold", selector: new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = "db" } });
        var silver = Policy("silver", priority: 5);
        var bronze = Policy("bronze", priority: 1);

        MigrationLimitsResolver.PolicyFor(pod, null, [gold, silver, bronze])!.Metadata.Name.Should().Be("silver", "gold does not select the SuperPod");
        MigrationLimitsResolver.PolicyFor(Pod("vm", policy: "bronze"), null, [gold, silver, bronze])!.Metadata.Name.Should().Be("bronze");
    }

    [Fact]
    public void Namespace_selectors_match_the_superpods_namespace_labels()
    {
        var policy = Policy("ns-web", namespaceSelector: new V1LabelSelector { MatchLabels = new Dictionary<string, string>(Team) });

        MigrationLimitsResolver.PolicyFor(Pod("vm"), Team, [policy]).Should().BeSameAs(policy);
        MigrationLimitsResolver.PolicyFor(Pod("vm"), null, [policy]).Should().BeNull();
    }

    [Fact]
    public void A_malformed_inherited_value_names_the_policy_and_field()
    {
        var policy = Policy("broken", limits: new MigrationLimits { ProgressTimeout = "0s" });

        var act = () => MigrationLimitsResolver.Resolve(null, policy);

        act.Should().Throw<FormatException>().WithMessage("MigrationPolicy broken spec.limits.progressTimeout: \"0s\" must be positive");
    }

    private static SuperPod Pod(string name, string? policy = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string>(Team) },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("1Gi") },
            Boot = new BootSource { Image = "vm" },
            MigrationPolicy = policy is null ? null : new MigrationPolicyReference { Name = policy },
        },
    };

    private static MigrationPolicy Policy(
        string name, MigrationLimits? limits = null, int priority = 0, V1LabelSelector? selector = null, V1LabelSelector? namespaceSelector = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new MigrationPolicySpec
        {
            Selectors = new MigrationPolicySelectors { SuperPodSelector = selector, NamespaceSelector = namespaceSelector },
            Triggers = new MigrationTriggers(),
            Limits = limits,
            Priority = priority,
        },
    };
}
