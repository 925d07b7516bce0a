using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class StrategicMergePatchNewListTests
{
    [Fact]
    public void New_list_with_an_item_missing_its_key_is_kept_for_validation_to_report()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}""");
        var result = StrategicMergePatch.Apply(live, Obj("""{"spec":{"containers":[{"image":"busybox"}]}}"""), "v1", "Pod");
        result["spec"]!["containers"].ShouldEqualJson("""[{"image":"busybox"}]""");
    }
}
