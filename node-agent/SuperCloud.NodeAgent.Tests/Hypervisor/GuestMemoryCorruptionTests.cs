using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

// Proves the checker inside a real guest notices memory damaged from outside the VM: the guest's RAM is a shared
// file, the test finds the checker's pages in it by their header and flips a byte, as a broken migration would.
public sealed class GuestMemoryCorruptionTests
{
    private const int CheckerMemMib = 8;
    private const int CheckerPages = CheckerMemMib * 256;
    private const int PageBytes = 4096;

    // The checker's page header: word 0 is this magic ("SuperCld") XOR the page's index (guest/checker.c).
    private const ulong PageMagic = 0x5375706572436c64;

    [SkippableFact]
    public async Task Byte_flipped_in_guest_memory_from_outside_is_reported_as_a_corrupt_page()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var stateDirectory = TestEnvironment.NewTempDir("scmem");
        var options = new QemuDriverOptions { StateDirectory = stateDirectory, SharedMemoryFile = true };
        using var images = GuestImage.NewCache();
        var driver = await QemuDriver.OpenAsync(options, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        try
        {
            // Dirtying stays on (slowly): a flipped page the checker rewrites first is repaired, not reported, so
            // several pages are flipped and any of them being reported proves detection.
            var spec = new VmSpec("mem-guest", 1, 96, GuestImage.Boot(GuestImage.Cmdline(CheckerMemMib, dirtyPagesPerSec: 50)), []);
            await driver.CreateAsync(spec, CancellationToken.None);
            await driver.StartAsync(spec.Id, CancellationToken.None);
            await Poll.UntilAsync(() => driver.ReadConsoleTailAsync(spec.Id, 4096, CancellationToken.None), ConsoleLog.HasMemcheckOk,
                TimeSpan.FromSeconds(60), "first MEMCHECK OK");
            ConsoleLog.HasMemcheckCorrupt(await driver.ReadConsoleTailAsync(spec.Id, 1 << 24, CancellationToken.None)).Should().BeFalse();

            var memoryFile = Path.Combine(stateDirectory, spec.Id, "memory");
            new FileInfo(memoryFile).Length.Should().Be(96L * 1024 * 1024, "guest RAM is the state directory's memory file");
            using var memory = File.OpenHandle(memoryFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            var pages = FindCheckerPages(memory);
            pages.Should().HaveCount(CheckerPages, "every page the checker filled carries its index in its header");

            var flipped = new[] { 100L, 700L, 1300L, 1900L };
            foreach (var index in flipped)
            {
                FlipByte(memory, pages[index] + 800);
            }

            var console = await Poll.UntilAsync(() => driver.ReadConsoleTailAsync(spec.Id, 1 << 24, CancellationToken.None),
                c => ConsoleLog.CorruptPages(c).Count > 0, TimeSpan.FromSeconds(30), "MEMCHECK CORRUPT");
            ConsoleLog.CorruptPages(console).Should().OnlyContain(p => flipped.Contains(p), "only the flipped pages were damaged");
            console.Should().MatchRegex(@"(?m)^MEMCHECK CORRUPT page=(100|700|1300|1900) reason=checksum\r?$");
        }
        finally
        {
            try
            {
                foreach (var vm in await driver.ListAsync(CancellationToken.None))
                {
                    await driver.DeleteAsync(vm.Id, CancellationToken.None);
                }

                await driver.DisposeAsync();
            }
            finally
            {
                await QemuLeftovers.KillAllAsync(stateDirectory);
                Directory.Delete(stateDirectory, recursive: true);
            }
        }
    }

    // Maps checker page index to its offset in the memory file; guest pages are 4 KiB aligned in guest-physical
    // memory, and the file is guest-physical memory from address 0.
    private static Dictionary<long, long> FindCheckerPages(SafeFileHandle memory)
    {
        var pages = new Dictionary<long, long>();
        var chunk = new byte[1 << 20];
        var length = RandomAccess.GetLength(memory);
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            var read = RandomAccess.Read(memory, chunk, offset);
            for (var at = 0; at + 8 <= read; at += PageBytes)
            {
                var index = BinaryPrimitives.ReadUInt64LittleEndian(chunk.AsSpan(at, 8)) ^ PageMagic;
                if (index < CheckerPages)
                {
                    pages[(long)index] = offset + at;
                }
            }
        }

        return pages;
    }

    private static void FlipByte(SafeFileHandle memory, long offset)
    {
        var value = new byte[1];
        RandomAccess.Read(memory, value, offset).Should().Be(1);
        value[0] ^= 0x5a;
        RandomAccess.Write(memory, value, offset);
    }
}
