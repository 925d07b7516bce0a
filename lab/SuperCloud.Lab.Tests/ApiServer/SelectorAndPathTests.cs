using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Label selector parsing and request path parsing, as kube-apiserver interprets them.</summary>
public sealed class SelectorAndPathTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (db, web)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("tier,app=web", true)]
    [InlineData("!missing", true)]
    [InlineData("!app", false)]
    [InlineData("missing!=x", true)]
    [InlineData("", true)]
    public void Label_selectors_match_like_kube(string selector, bool matches) =>
        LabelSelector.Parse(selector).Matches(Labels).Should().Be(matches);

    [Fact]
    public void A_malformed_label_selector_is_a_400_naming_the_problem()
    {
        var act = () => LabelSelector.Parse("app in ()");

        act.Should().Throw<StatusException>().Where(e => e.Code == 400 && e.Message.Contains("values set can't be empty", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/namespaces", "", "v1", "namespaces", null, null, null)]
    [InlineData("/api/v1/namespaces/default", "", "v1", "namespaces", null, "default", null)]
    [InlineData("/api/v1/namespaces/default/status", "", "v1", "namespaces", null, "default", "status")]
    [InlineData("/api/v1/namespaces/default/configmaps/c", "", "v1", "configmaps", "default", "c", null)]
    [InlineData("/apis/lab.supercloud.dev/v1/widgets", "lab.supercloud.dev", "v1", "widgets", null, null, null)]
    [InlineData("/apis/lab.supercloud.dev/v1/namespaces/ns/widgets/w/status", "lab.supercloud.dev", "v1", "widgets", "ns", "w", "status")]
    public void Resource_paths_parse_into_group_version_resource_namespace_name_and_subresource(
        string path, string group, string version, string plural, string? ns, string? name, string? subresource) =>
        ApiPath.Parse(path).Should().Be(new ApiPath(group, version, plural, ns, name, subresource));

    [Fact]
    public void Field_selectors_on_custom_resources_support_only_name_and_namespace()
    {
        var resource = new ApiResource("lab.supercloud.dev", "v1", "Widget", "WidgetList", "widgets", "widget", true, [], [], [], false, [], []);
        var obj = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "a", ["namespace"] = "x" } };

        FieldSelector.Parse("metadata.name=a,metadata.namespace!=y", resource).Matches(obj).Should().BeTrue();
        var act = () => FieldSelector.Parse("spec.size=1", resource);
        act.Should().Throw<StatusException>().Which.Message.Should().Be("field label not supported: spec.size");
    }
}
