using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.Tests.Validation;

public sealed class UnknownFieldsTests
{
    [Fact]
    public void Strict_failure_reads_like_kube_strict_decoding_error()
    {
        var ex = UnknownFields.ToStrictException("SuperPod", "v1alpha1", [".spec.foo", ".spec.networks[0].vlan"]);
        ex.Code.Should().Be(400);
        ex.Reason.Should().Be("BadRequest");
        ex.Message.Should().Be("SuperPod in version \"v1alpha1\" cannot be handled as a SuperPod: strict decoding error: unknown field \"spec.foo\", unknown field \"spec.networks[0].vlan\"");
    }

    [Fact]
    public void Warnings_name_each_unknown_field()
    {
        UnknownFields.ToWarnings([".spec.foo"]).Should().Equal("unknown field \"spec.foo\"");
    }
}
