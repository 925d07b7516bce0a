using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

/// <summary>One real guest booted under TCG, shared by the tests of a class because every boot costs a full core.</summary>
public sealed class BootedVmFixture : IAsyncLifetime
{
    public const string VmId = "shared-guest";

    public string StateDirectory { get; } = TestEnvironment.NewTempDir("scvm");

    public QemuDriverOptions Options => new() { StateDirectory = StateDirectory };

    /// <summary>The host's image cache (shared by every driver a test opens on this state directory).</summary>
    public SuperCloud.Images.ImageCache Images { get; private set; } = null!;

    /// <summary>The driver currently attached to the VM (a test may replace it to simulate an agent restart).</summary>
    public QemuDriver Driver { get; set; } = null!;

    public VmStatus Started { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (GuestImage.Missing is not null)
        {
            return;
        }

        Images = GuestImage.NewCache();

        Driver = await QemuDriver.OpenAsync(Options, Images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var spec = new VmSpec(VmId, 1, 128, GuestImage.Boot(GuestImage.Cmdline()), []);
        await Driver.CreateAsync(spec, CancellationToken.None);
        Started = await Driver.StartAsync(VmId, CancellationToken.None);
        await Poll.UntilAsync(() => Driver.ReadConsoleTailAsync(VmId, 4096, CancellationToken.None), ConsoleLog.HasMemcheckOk, TimeSpan.FromSeconds(45), "first MEMCHECK OK");
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Driver is not null)
            {
                foreach (var vm in await Driver.ListAsync(CancellationToken.None))
                {
                    await Driver.DeleteAsync(vm.Id, CancellationToken.None);
                }

                await Driver.DisposeAsync();
            }
        }
        finally
        {
            await QemuLeftovers.KillAllAsync(StateDirectory);
        }

        Directory.Delete(StateDirectory, recursive: true);
    }
}
