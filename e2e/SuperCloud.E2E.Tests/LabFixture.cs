namespace SuperCloud.E2E.Tests;

/// <summary>
/// One lab for the tests of the <see cref="SharedLab"/>: <c>supercloud-lab up</c> with five hosts in three clouds
/// (aws-us-east-1-1, aws-us-east-1-2 spot, aws-eu-west-1-1, aws-eu-west-1-2 spot, onprem-1), short heartbeat Leases and a
/// short lost-node grace period so node loss takes seconds; the test guest's images are built here and pushed by the lab
/// to every cloud's registry (supercloud/test-guest, supercloud/test-guest-disk).
/// </summary>
public sealed class LabFixture : IAsyncLifetime
{
    public const string Clouds = "aws-us-east-1:2,aws-eu-west-1:2,onprem:1";

    public const int NodeCount = 5;

    /// <summary>The guest's command line, as in the demo: a small memory checker and heartbeats on the console.</summary>
    public const string GuestCmdline = "console=ttyS0 quiet panic=-1 sc.mem_mib=32 sc.dirty_pages_per_sec=2000";

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(8);

    public static readonly TimeSpan NodeGracePeriod = TimeSpan.FromSeconds(5);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "supercloud-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _clouds;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private LabRun? _lab;

    public LabFixture()
        : this(Clouds, null)
    {
    }

    /// <summary>A lab of <paramref name="clouds"/> whose processes get <paramref name="environment"/> (operator settings, for one).</summary>
    internal LabFixture(string clouds, IReadOnlyDictionary<string, string>? environment)
    {
        _clouds = clouds;
        _environment = environment;
    }

    /// <summary>Why the lab cannot run on this machine, or null.</summary>
    public string? SkipReason { get; } = Prerequisites.Missing();

    internal LabRun Lab => _lab ?? throw new InvalidOperationException(SkipReason ?? "the lab did not start");

    /// <summary>The test guest's build (vmlinuz, initramfs.cpio.gz, disk.qcow2, checker).</summary>
    public string GuestDirectory { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        var guest = Path.Combine(AppContext.BaseDirectory, "guest");
        var built = await Commands.RunAsync("bash", [Path.Combine(RepoPaths.Root, "node-agent", "guest", "build.sh"), guest]);
        built.ExitCode.Should().Be(0, $"the guest builds: {built}");
        GuestDirectory = guest;
        _lab = await LabRun.StartAsync(
            Path.Combine(_root, "shared"),
            _clouds,
            TimeSpan.FromMinutes(2),
            _environment,
            "--lease-duration", $"{LeaseDuration.TotalSeconds}s",
            "--node-grace-period", $"{NodeGracePeriod.TotalSeconds}s",
            "--guest-dir", guest);
    }

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>
    /// A SuperPod manifest that boots the test guest's kernel image (128Mi unless <paramref name="memory"/> says otherwise);
    /// <paramref name="placement"/> is YAML under spec.placement, indented by four spaces; <paramref name="networks"/> is the
    /// YAML list under spec.networks (<c>[{name: eth0}]</c>); <paramref name="extraSpec"/> more of spec (disks, cloudInit),
    /// indented by two.
    /// </summary>
    public static string SuperPod(
        string name, string? placement = null, string memory = "128Mi", string cmdline = GuestCmdline, string? extraSpec = null, string? networks = null) =>
        $"""
        apiVersion: supercloud.dev/v1alpha1
        kind: SuperPod
        metadata:
          name: {name}
          namespace: default
        spec:
          resources:
            cpu: "1"
            memory: {memory}
          boot:
            image: supercloud/test-guest:latest
            cmdline: {cmdline}
          runStrategy: Always
        {(networks is null ? "" : "  networks: " + networks)}
        {extraSpec ?? ""}{(placement is null ? "" : "  placement:\n" + placement)}
        """;
}
