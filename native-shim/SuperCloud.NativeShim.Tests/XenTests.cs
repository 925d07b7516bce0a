using System.IO.Pipes;

namespace SuperCloud.NativeShim.Tests;

public sealed class XenTests
{
    private const string Missing = "Xen not available: /dev/xen/privcmd missing";

    private static void SkipOnXenHosts() => Skip.If(File.Exists("/dev/xen/privcmd"), "this host runs Xen");

    [SkippableFact]
    public void IsAvailable_is_false_with_the_reason_on_a_host_without_xen()
    {
        SkipOnXenHosts();
        XenHost.IsAvailable(out var reason).Should().BeFalse();
        reason.Should().Contain(Missing);
    }

    [SkippableFact]
    public void GetVersion_throws_XenUnavailableException_naming_the_operation()
    {
        SkipOnXenHosts();
        var act = () => XenHost.GetVersion();
        var ex = act.Should().Throw<XenUnavailableException>().Which;
        ex.Errno.Should().Be(38);
        ex.Operation.Should().Be("sc_xen_version");
        ex.Message.Should().Contain("ENOSYS").And.Contain(Missing);
    }

    [SkippableFact]
    public void GetPhysInfo_throws_XenUnavailableException()
    {
        SkipOnXenHosts();
        var act = () => XenHost.GetPhysInfo();
        act.Should().Throw<XenUnavailableException>().Which.Operation.Should().Be("sc_xen_get_physinfo");
    }

    [SkippableFact]
    public void Allowed_hypercall_throws_XenUnavailableException()
    {
        SkipOnXenHosts();
        XenHypercall.IsAllowed(XenHypercall.XenVersion).Should().BeTrue();
        var act = () => XenHypercall.Invoke(XenHypercall.XenVersion, [0UL]);
        act.Should().Throw<XenUnavailableException>().Which.Message.Should().Contain("sc_xen_hypercall").And.Contain(Missing);
    }

    [Fact]
    public void Hypercall_outside_the_allow_list_is_refused_with_EPERM_on_any_host()
    {
        XenHypercall.IsAllowed(12).Should().BeFalse();
        var act = () => XenHypercall.Invoke(12, [1UL, 2UL]);
        var ex = act.Should().Throw<ShimException>().Which;
        ex.Should().NotBeOfType<XenUnavailableException>();
        ex.Errno.Should().Be(1);
        ex.Operation.Should().Be("sc_xen_hypercall");
        ex.Message.Should().Contain("hypercall 12 is not on the allow-list");
    }

    [Fact]
    public void Hypercall_with_more_than_five_arguments_is_rejected()
    {
        var act = () => XenHypercall.Invoke(XenHypercall.Domctl, [1UL, 2UL, 3UL, 4UL, 5UL, 6UL]);
        act.Should().Throw<ArgumentException>().WithParameterName("args");
    }

    [SkippableFact]
    public void Map_throws_XenUnavailableException()
    {
        SkipOnXenHosts();
        var act = () => XenForeignMapping.Map(1, [0x1000UL, 0x1001UL]);
        act.Should().Throw<XenUnavailableException>().Which.Operation.Should().Be("sc_xen_map_foreign_ro");
    }

    [Fact]
    public void Mapping_entry_points_tolerate_an_empty_mapping()
    {
        // Reachable with a real mapping only on Xen; here the bindings still reach every export.
        using var empty = new XenMappingHandle();
        NativeMethods.sc_xen_mapping_address(empty).Should().Be(0);
        NativeMethods.sc_xen_mapping_length(empty).Should().Be(0u);
        var unmap = () => NativeMethods.sc_xen_unmap(0);
        unmap.Should().NotThrow();
    }

    [Fact]
    public void Map_without_frames_is_rejected()
    {
        var act = () => XenForeignMapping.Map(1, []);
        act.Should().Throw<ArgumentException>().WithParameterName("frames");
    }

    [SkippableFact]
    public void Save_and_restore_throw_XenUnavailableException()
    {
        SkipOnXenHosts();
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        var save = () => XenDomainTransfer.Save(3, pipe.SafePipeHandle, keepRunning: false);
        save.Should().Throw<XenUnavailableException>().Which.Operation.Should().Be("sc_xen_domain_save");
        var restore = () => XenDomainTransfer.Restore(pipe.ClientSafePipeHandle, paused: true);
        restore.Should().Throw<XenUnavailableException>().Which.Operation.Should().Be("sc_xen_domain_restore");
    }

    [Fact]
    public void Save_with_a_disposed_handle_throws_ObjectDisposedException()
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        var handle = pipe.SafePipeHandle;
        pipe.Dispose();
        var act = () => XenDomainTransfer.Save(3, handle, keepRunning: true);
        act.Should().Throw<ObjectDisposedException>();
    }
}
