using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Xen;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

// Xen cannot run here, so a scripted stand-in for xl keeps a domain table in a file: enough to check which toolstack
// commands the driver issues for each lifecycle step and how it reads the domain list back.
public sealed class XenDriverToolstackTests : IDisposable
{
    private const string FakeXl = """
        #!/bin/sh
        db="$(dirname "$0")/domains"; touch "$db"
        echo "$*" >> "$(dirname "$0")/calls"
        set_flags() { grep -v "^$1 " "$db" > "$db.new"; echo "$1 7 128 1 $2 0.1" >> "$db.new"; mv "$db.new" "$db"; }
        case "$1" in
          info) printf 'host : fake\nxen_major : 4\nxen_minor : 17\n' ;;
          list) echo "Name ID Mem VCPUs State Time(s)"; echo "Domain-0 0 1024 2 r----- 1.0"; cat "$db" ;;
          create) name=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$3"); set_flags "$name" --p--- ;;
          unpause) set_flags "$2" -b---- ;;
          pause) set_flags "$2" --p--- ;;
          destroy) grep -v "^$2 " "$db" > "$db.new"; mv "$db.new" "$db" ;;
          *) echo "fake xl: unsupported $1" >&2; exit 1 ;;
        esac
        """;

    private readonly string _dir = TestEnvironment.NewTempDir("scxl");
    private readonly XenDriver _driver;
    private readonly SuperCloud.Images.ImageCache _images = GuestImage.NewCache();

    public XenDriverToolstackTests()
    {
        var xl = Path.Combine(_dir, "xl");
        File.WriteAllText(xl, FakeXl.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.WriteAllText(Path.Combine(_dir, "privcmd"), "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(xl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _driver = new XenDriver(new XenDriverOptions { StateDirectory = Path.Combine(_dir, "vms"), XlBinary = xl, PrivcmdDevice = Path.Combine(_dir, "privcmd") }, _images, TimeProvider.System);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _images.Dispose();
    }

    private string[] Calls() => File.ReadAllLines(Path.Combine(_dir, "calls")).Where(c => c != "list").ToArray();

    [Fact]
    public async Task Lifecycle_issues_the_expected_xl_commands_and_reads_state_back_from_xl_list()
    {
        var spec = new VmSpec("xvm", 1, 128, GuestImage.Boot("console=hvc0"), []);

        (await _driver.GetInfoAsync(CancellationToken.None)).Should().Be(new HypervisorInfo("xen", true, "4.17", "toolstack xl, guests PVH"));
        (await _driver.CreateAsync(spec, CancellationToken.None)).State.Should().Be(VmState.Created);
        File.ReadAllText(Path.Combine(_dir, "vms", "xvm", "xl.cfg")).Should().Contain("name = \"xvm\"").And.Contain($"kernel = \"{_images.Root}/blobs/sha256/");
        var started = await _driver.StartAsync("xvm", CancellationToken.None);
        started.State.Should().Be(VmState.Running);
        started.ProcessId.Should().Be(7, "the Xen domain id stands in for a process id");
        (await _driver.PauseAsync("xvm", CancellationToken.None)).State.Should().Be(VmState.Paused);
        (await _driver.ResumeAsync("xvm", CancellationToken.None)).State.Should().Be(VmState.Running);
        (await _driver.StopAsync("xvm", CancellationToken.None)).State.Should().Be(VmState.Stopped);
        await _driver.DeleteAsync("xvm", CancellationToken.None);

        Calls().Should().Equal("info", $"create -p {_dir}/vms/xvm/xl.cfg", "unpause xvm", "pause xvm", "unpause xvm", "destroy xvm");
        Directory.Exists(Path.Combine(_dir, "vms", "xvm")).Should().BeFalse();
    }

    [Fact]
    public async Task A_domain_destroyed_behind_the_agents_back_is_reported_crashed()
    {
        await _driver.CreateAsync(new VmSpec("gone", 1, 128, GuestImage.Boot(""), []), CancellationToken.None);
        await _driver.StartAsync("gone", CancellationToken.None);

        File.WriteAllText(Path.Combine(_dir, "domains"), "");

        var status = await _driver.GetAsync("gone", CancellationToken.None);
        status.State.Should().Be(VmState.Crashed);
        status.Reason.Should().Be("DomainGone");
    }

    [Fact]
    public async Task Pausing_a_vm_that_never_started_is_a_state_conflict()
    {
        await _driver.CreateAsync(new VmSpec("idle", 1, 128, GuestImage.Boot(""), []), CancellationToken.None);

        var act = () => _driver.PauseAsync("idle", CancellationToken.None);

        (await act.Should().ThrowAsync<VmStateConflictException>()).Which.Message.Should().Be("pause VM 'idle': not allowed while the VM is Created");
    }
}
