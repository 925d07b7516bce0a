extern alias nodeagent;
using k8s.Models;
using AgentVmState = nodeagent::SuperCloud.NodeAgent.Hypervisor.VmState;
using Microsoft.Extensions.DependencyInjection;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Images;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using SuperCloud.Lab.Registry;
using SuperCloud.Operator.Tests.Agents;

namespace SuperCloud.Operator.Tests.Controllers;

public sealed class SuperPodControllerTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private SuperCloudHarness _h = null!;
    private ServiceProvider? _provider;
    private Task[] _runs = [];

    public async Task InitializeAsync() => _h = await SuperCloudHarness.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(10));
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await _h.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    [SkippableFact]
    public async Task Unreachable_agent_gives_Ready_False_AgentUnreachable_and_a_warning_event()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        using var ca = CertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
        using var client = ca.IssueClient(PeerIdentity.Operator, TimeSpan.FromDays(1));
        await CreateNodeAsync("n1", "127.0.0.1:1");
        StartControllers(new AgentClientOptions { Credentials = TlsCredentials.FromCertificates(client, ca.Certificate) });
        await _h.UntilReadyAsync("n1");

        await CreatePodAsync("vm", TestGuest.Image, RunStrategy.Always);

        var pod = await _h.UntilPodAsync(
            "vm", p => Conditions.Find(p.Status?.Conditions, ConditionTypes.Ready)?.Reason == SuperPodController.AgentUnreachableReason,
            "the Ready condition says the agent is unreachable");
        pod.Status!.Node.Should().Be("n1", "the SuperPod stays bound to its node; it is never run elsewhere");
        var ready = Conditions.Find(pod.Status.Conditions, ConditionTypes.Ready)!;
        ready.Status.Should().Be("False");
        ready.Message.Should().StartWith("node agent of n1 at 127.0.0.1:1 is unreachable: Unavailable");
        pod.Metadata.Finalizers.Should().Contain(SuperPodController.Finalizer);
        await Eventually.UntilAsync(
            () => _h.EventsAsync().Result.Any(e => e is { Type: "Warning", Reason: SuperPodController.AgentUnreachableReason }),
            "an AgentUnreachable warning was recorded");
    }

    [SkippableFact]
    public async Task Manual_superpod_is_defined_on_its_agent_but_not_started_and_its_VM_is_deleted_with_it()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var agent = await StartAgentOnNodeAsync();

        var created = await CreatePodAsync("vm", TestGuest.Image, RunStrategy.Manual);

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Stopped, "the SuperPod is Stopped");
        var ready = Conditions.Find(pod.Status!.Conditions, ConditionTypes.Ready)!;
        ready.Status.Should().Be("False");
        ready.Reason.Should().Be(SuperPodController.StoppedReason);
        pod.Status.ObservedGeneration.Should().Be(pod.Metadata.Generation);
        var vms = await agent.Driver.ListAsync(CancellationToken.None);
        vms.Should().ContainSingle().Which.Id.Should().Be(created.Metadata.Uid);
        var spec = await agent.Driver.GetSpecAsync(created.Metadata.Uid, CancellationToken.None);
        spec.Vcpus.Should().Be(1);
        spec.MemoryMib.Should().Be(64);

        await _h.Pods.DeleteAsync(new ObjectKey(_h.Namespace, "vm"), CancellationToken.None);

        await Eventually.UntilAsync(() => _h.Pods.GetAsync(new ObjectKey(_h.Namespace, "vm"), CancellationToken.None).Result is null, "the SuperPod is gone");
        (await agent.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Bound_superpod_boots_on_its_agent_becomes_Ready_and_its_VM_is_deleted_with_it()
    {
        Skip.If(TestGuest.Missing is not null, TestGuest.Missing);
        await using var agent = await StartAgentOnNodeAsync();

        var created = await CreatePodAsync("vm", TestGuest.Image, RunStrategy.Always, "console=ttyS0 quiet panic=-1");

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Running, "the SuperPod runs", seconds: 30);
        pod.Status!.Node.Should().Be("n1");
        var ready = Conditions.Find(pod.Status.Conditions, ConditionTypes.Ready)!;
        ready.Status.Should().Be("True");
        ready.Reason.Should().Be(SuperPodController.RunningReason);
        pod.Metadata.Finalizers.Should().Contain(SuperPodController.Finalizer);
        var vm = await agent.Driver.GetAsync(created.Metadata.Uid, CancellationToken.None);
        vm.ProcessId.Should().BePositive("QEMU runs the VM on the agent");
        await Eventually.UntilAsync(
            () => _h.EventsAsync().Result.Select(e => e.Reason).ToHashSet().IsSupersetOf([SuperPodController.CreatedReason, SuperPodController.StartedReason]),
            "Created and Started events were recorded");

        await _h.Pods.DeleteAsync(new ObjectKey(_h.Namespace, "vm"), CancellationToken.None);

        await Eventually.UntilAsync(
            () => _h.Pods.GetAsync(new ObjectKey(_h.Namespace, "vm"), CancellationToken.None).Result is null, "the SuperPod is gone", TimeSpan.FromSeconds(20));
        (await agent.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Tag_is_resolved_once_and_the_vm_runs_that_digest_even_after_the_tag_moves()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var agent = await StartAgentOnNodeAsync();
        using var client = new RegistryClient(TestGuest.RegistryOptions, TimeProvider.System);
        var kernel = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(kernel, System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));
            var first = await new VmImagePublisher(client).PublishAsync(TestGuest.Registry, "tests/moving", "v1", new VmImageFiles(kernel, null, null, null), CancellationToken.None);

            // Unqualified: the operator's default registry serves it.
            var created = await CreatePodAsync("vm", "tests/moving:v1", RunStrategy.Manual);
            var pod = await _h.UntilPodAsync("vm", p => Conditions.IsTrue(p.Status?.Conditions, ConditionTypes.ImagesReady), "the images are on the node");
            pod.Status!.Images.Should().ContainSingle().Which.Resolved.Should().Be($"{TestGuest.Registry}/tests/moving@{first}");
            await File.WriteAllBytesAsync(kernel, System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));
            var second = await new VmImagePublisher(client).PublishAsync(TestGuest.Registry, "tests/moving", "v1", new VmImageFiles(kernel, null, null, null), CancellationToken.None);
            second.Should().NotBe(first);

            await _h.Pods.PatchAsync(new ObjectKey(_h.Namespace, "vm"), """{"metadata":{"labels":{"touched":"yes"}}}""", ResourceClient<SuperPod>.MergePatch, null, CancellationToken.None);
            await _h.UntilPodAsync("vm", p => p.Status?.ObservedGeneration == p.Metadata.Generation && p.Metadata.Labels?.ContainsKey("touched") == true, "the touched SuperPod is reconciled");

            var spec = await agent.Driver.GetSpecAsync(created.Metadata.Uid, CancellationToken.None);
            spec.Boot.Image.Digest.Should().Be(first, "the digest recorded at the first resolution is what every node runs");
            (await _h.Pods.GetAsync(new ObjectKey(_h.Namespace, "vm"), CancellationToken.None))!.Status!.Images![0].Resolved.Should().EndWith(first.ToString());
            (await _h.EventsAsync()).Should().Contain(e => e.Reason == SuperPodController.ResolvedReason && e.Message.Contains(first.ToString(), StringComparison.Ordinal))
                .And.Contain(e => e.Reason == SuperPodController.PulledReason);
        }
        finally
        {
            File.Delete(kernel);
        }
    }

    [SkippableFact]
    public async Task Missing_image_says_ImageNotFound_in_ImagesReady_and_Ready_and_no_vm_is_created()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var agent = await StartAgentOnNodeAsync();

        await CreatePodAsync("vm", $"{TestGuest.Registry}/tests/never-pushed:v1", RunStrategy.Always);

        var pod = await _h.UntilPodAsync("vm", p => Conditions.Find(p.Status?.Conditions, ConditionTypes.ImagesReady)?.Reason == SuperPodController.ImageNotFoundReason,
            "ImagesReady says the image is not found");
        Conditions.Find(pod.Status!.Conditions, ConditionTypes.ImagesReady)!.Message.Should().Contain("spec.boot.image").And.Contain("tests/never-pushed");
        Conditions.Find(pod.Status.Conditions, ConditionTypes.Ready)!.Reason.Should().Be(SuperPodController.ImageNotFoundReason);
        (await _h.EventsAsync()).Should().Contain(e => e.Type == "Warning" && e.Reason == SuperPodController.ImageNotFoundReason);
        (await agent.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Corrupted_blob_on_the_registry_is_refused_by_the_node_with_DigestMismatch_and_nothing_boots()
    {
        Skip.If(RegistryServer.Missing is not null, RegistryServer.Missing);
        await using var agent = await StartAgentOnNodeAsync();
        using var client = new RegistryClient(TestGuest.RegistryOptions, TimeProvider.System);
        var kernel = Path.GetTempFileName();
        try
        {
            var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(100_000);
            await File.WriteAllBytesAsync(kernel, bytes);
            await new VmImagePublisher(client).PublishAsync(TestGuest.Registry, "tests/corrupted", "v1", new VmImageFiles(kernel, null, null, null), CancellationToken.None);
            var blob = TestGuest.Server.BlobDataPath(Digest.Of(bytes).Hex);
            bytes[5] ^= 1;
            await File.WriteAllBytesAsync(blob, bytes);

            await CreatePodAsync("vm", $"{TestGuest.Registry}/tests/corrupted:v1", RunStrategy.Always);

            var pod = await _h.UntilPodAsync("vm", p => Conditions.Find(p.Status?.Conditions, ConditionTypes.ImagesReady)?.Reason == SuperPodController.DigestMismatchReason,
                "ImagesReady says the node refused corrupted content", seconds: 30);
            Conditions.Find(pod.Status!.Conditions, ConditionTypes.Ready)!.Status.Should().Be("False");
            Conditions.Find(pod.Status.Conditions, ConditionTypes.ImagesReady)!.Message.Should().Contain("node n1 cannot pull").And.Contain("corrupted or was tampered with");
            (await agent.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty("nothing boots from a blob that failed verification");
        }
        finally
        {
            File.Delete(kernel);
        }
    }

    [SkippableFact]
    public async Task Running_superpod_switched_to_Halted_is_stopped_on_its_agent()
    {
        Skip.If(TestGuest.Missing is not null, TestGuest.Missing);
        await using var agent = await StartAgentOnNodeAsync();
        var created = await CreatePodAsync("vm", TestGuest.Image, RunStrategy.Always, SteadyGuest, memory: "256Mi");
        await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Running, "the SuperPod runs", seconds: 30);
        var qemu = (await agent.Driver.GetAsync(created.Metadata.Uid, CancellationToken.None)).ProcessId!.Value;

        await _h.Pods.PatchAsync(
            new ObjectKey(_h.Namespace, "vm"), """{"spec":{"runStrategy":"Halted"}}""", ResourceClient<SuperPod>.MergePatch, null, CancellationToken.None);

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Stopped, "the SuperPod is Stopped", seconds: 30);
        var ready = Conditions.Find(pod.Status!.Conditions, ConditionTypes.Ready)!;
        ready.Status.Should().Be("False");
        ready.Reason.Should().Be(SuperPodController.StoppedReason);
        ready.Message.Should().Contain("runStrategy Halted");
        var vm = await agent.Driver.GetAsync(created.Metadata.Uid, CancellationToken.None);
        vm.State.Should().Be(AgentVmState.Stopped);
        vm.ProcessId.Should().BeNull();
        await Eventually.UntilAsync(
            () => !File.Exists($"/proc/{qemu}/stat") || File.ReadAllText($"/proc/{qemu}/stat").Split(')')[1].TrimStart().StartsWith('Z'),
            "the VM's QEMU has exited", TimeSpan.FromSeconds(10));
        (await _h.EventsAsync()).Should().Contain(e => e.Reason == SuperPodController.StoppedReason && e.Message.Contains("(runStrategy Halted)"));
    }

    [SkippableFact]
    public async Task RerunOnFailure_superpod_whose_QEMU_dies_is_started_again_in_a_new_QEMU()
    {
        Skip.If(TestGuest.Missing is not null, TestGuest.Missing);
        await using var agent = await StartAgentOnNodeAsync();
        var created = await CreatePodAsync("vm", TestGuest.Image, RunStrategy.RerunOnFailure, SteadyGuest, memory: "256Mi");
        await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Running, "the SuperPod runs", seconds: 30);
        var first = (await agent.Driver.GetAsync(created.Metadata.Uid, CancellationToken.None)).ProcessId!.Value;

        using (var process = System.Diagnostics.Process.GetProcessById(first))
        {
            process.Kill();
        }

        await Eventually.UntilAsync(
            () => agent.Driver.GetAsync(created.Metadata.Uid, CancellationToken.None).Result is { State: AgentVmState.Running, ProcessId: { } pid } && pid != first,
            "the VM runs again in another QEMU", TimeSpan.FromSeconds(30));
        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Running, "the SuperPod runs again", seconds: 30);
        Conditions.Find(pod.Status!.Conditions, ConditionTypes.Ready)!.Status.Should().Be("True");
        await Eventually.UntilAsync(
            () => _h.EventsAsync().Result.Where(e => e.Reason == SuperPodController.StartedReason).Sum(e => e.Count ?? 1) >= 2,
            "a second Started event was recorded");
    }

    // A guest that runs until it is stopped: 256 MiB (Debian's kernel resets in 64 MiB soon after boot), the checker on 8 MiB.
    private const string SteadyGuest = "console=ttyS0 quiet panic=-1 sc.mem_mib=8";

    // A real agent for SuperNode n1 (its certificate names that node), the controllers, and the node Ready.
    private async Task<InProcessAgent> StartAgentOnNodeAsync()
    {
        var agent = await InProcessAgent.StartAsync(nodeName: "n1");
        await CreateNodeAsync("n1", agent.Endpoint);
        StartControllers(agent.ClientOptions());
        await _h.UntilReadyAsync("n1");
        return agent;
    }

    private async Task CreateNodeAsync(string name, string endpoint)
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync(name, "aws-use1");
        await _h.Nodes.PatchAsync(
            new ObjectKey(null, name), System.Text.Json.JsonSerializer.Serialize(new { spec = new { agentEndpoint = endpoint } }), ResourceClient<SuperNode>.MergePatch, null, CancellationToken.None);
    }

    private Task<SuperPod> CreatePodAsync(string name, string image, RunStrategy runStrategy, string? cmdline = null, string memory = "64Mi") =>
        _h.Pods.CreateAsync(
            new SuperPod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _h.Namespace },
                Spec = new SuperPodSpec
                {
                    Resources = new SuperPodResources { Cpu = new ResourceQuantity("500m"), Memory = new ResourceQuantity(memory) },
                    Boot = new BootSource { Image = image, Cmdline = cmdline },
                    RunStrategy = runStrategy,
                },
            },
            CancellationToken.None);

    private void StartControllers(AgentClientOptions agentClient)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddControllerRuntime(_h.Lab.Client, new LeaderElectionOptions { Enabled = false });
        services.AddSingleton(_h.Metrics);
        services.AddSingleton(new InformerOptions { Namespace = _h.Namespace });
        services.AddSuperCloudControllers(
            scheduling: new SchedulingControllerOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(1) },
            superPods: new SuperPodControllerOptions
            {
                AgentClient = agentClient,
                Registry = RegistryServer.Missing is null ? TestGuest.RegistryOptions : new SuperCloud.Images.RegistryOptions(),
                DefaultRegistry = RegistryServer.Missing is null ? TestGuest.Registry : null,
                PullingRequeue = TimeSpan.FromMilliseconds(200),
                StartingRequeue = TimeSpan.FromMilliseconds(200),
                // A crash changes nothing in the API: the controller sees it when it looks again.
                ResyncPeriod = TimeSpan.FromSeconds(1),
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(1),
            });
        _provider = services.BuildServiceProvider();
        _runs = [.. _provider.GetServices<IInformer>().Select(i => i.RunAsync(_stop.Token)), .. _provider.GetServices<IController>().Select(c => c.RunAsync(_stop.Token))];
    }
}
