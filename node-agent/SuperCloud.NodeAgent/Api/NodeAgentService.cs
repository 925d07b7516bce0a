using System.Reflection;
using Grpc.Core;
using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Images;
using SuperCloud.NodeAgent.Migration;
using SuperCloud.NodeAgent.Network;
using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Api;

/// <summary>The <c>supercloud.agent.v1.NodeAgent</c> service: VM lifecycle, state, console and host facts over the hypervisor driver.</summary>
/// <param name="driver">The host's hypervisor driver.</param>
/// <param name="options">Host labels, reservations and the default deadline.</param>
/// <param name="hostResources">Reads this host's capacity.</param>
/// <param name="timeProvider">The clock for default deadlines.</param>
/// <param name="migrations">The agent's live migrations.</param>
/// <param name="ownership">The VMs' ownership records: every start, resume and create is checked against its epoch.</param>
/// <param name="pulls">This host's image pulls.</param>
/// <param name="network">The host's part of the overlay network.</param>
public sealed class NodeAgentService(
    IHypervisorDriver driver, NodeAgentOptions options, HostResources hostResources, MigrationManager migrations, VmOwnership ownership, ImagePulls pulls,
    TimeProvider timeProvider, NetworkAgent network)
    : SuperCloud.Agent.V1.NodeAgent.NodeAgentBase
{
    private const int DefaultConsoleBytes = 64 * 1024;
    private const int MaxConsoleBytes = 1024 * 1024;

    // The service is created per call; one agent serves one host, so one process-wide lock guards its capacity.
    private static readonly SemaphoreSlim CreateLock = new(1, 1);

    private static readonly string AgentVersion =
        typeof(NodeAgentService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <inheritdoc />
    public override Task<HostFacts> GetHostFacts(GetHostFactsRequest request, ServerCallContext context) =>
        RunAsync(context, async ct =>
        {
            var info = await driver.GetInfoAsync(ct);
            var room = await ReadRoomAsync(info.Available, ct);
            return new HostFacts
            {
                NodeName = options.NodeName,
                Capacity = new Resources { Cpus = room.Cpus, MemoryMib = room.MemoryMib },
                Allocatable = new Resources { Cpus = room.FreeCpus, MemoryMib = room.FreeMemoryMib },
                Hypervisor = new SuperCloud.Agent.V1.Hypervisor { Name = info.Name, Available = info.Available, Version = info.Version, Detail = info.Detail },
                Cloud = options.Cloud,
                Region = options.Region,
                Zone = options.Zone,
                Spot = options.Spot,
                AgentVersion = AgentVersion,
                VmCount = room.VmCount,
            };
        });

    /// <inheritdoc />
    public override Task<Vm> CreateVm(CreateVmRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Spec is null)
        {
            throw RpcErrors.InvalidArgument("spec", "is required");
        }

        if (request.Spec.Boot is null)
        {
            throw RpcErrors.InvalidArgument("spec.boot", "is required");
        }

        var epoch = RequireEpoch(request.Epoch, "epoch");
        return RunAsync(context, async ct =>
        {
            var spec = VmMapping.ToSpec(request.Spec);
            RequireNetworkFor(spec);
            // Bad input is InvalidArgument even when it would not fit either: fix the spec first, then find room.
            var errors = spec.Validate();
            if (errors.Count > 0)
            {
                throw new InvalidVmSpecException(errors);
            }

            // Pulled before the create lock: a long pull must not hold up other VMs' creation.
            await EnsureImagesAsync(spec, ct);

            // Check and create under one lock, or two concurrent creates could each see room for only one of them.
            await CreateLock.WaitAsync(ct);
            try
            {
                await EnsureRoomAsync(spec, ct);
                var created = await ownership.ActAsync(
                    spec.Id, (record, now) => OwnershipRules.Create(record, spec.Id, epoch, now), _ => driver.CreateAsync(spec, ct), OwnershipWrite.AfterAct, ct);
                return Vm(created);
            }
            finally
            {
                CreateLock.Release();
            }
        });
    }

    /// <inheritdoc />
    public override Task<ImagePull> PullImage(PullImageRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var image = VmMapping.ToImage(request.Image, "image");
        return RunAsync(context, async ct => VmMapping.ToPull(await pulls.RequestAsync(image, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> PrepareMigrationTarget(PrepareMigrationTargetRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var token = MigrationMapping.Token(request.Token, "token");
        if (request.Spec?.Boot is null)
        {
            throw RpcErrors.InvalidArgument(request.Spec is null ? "spec" : "spec.boot", "is required");
        }

        if (string.IsNullOrEmpty(request.SourceNode))
        {
            throw RpcErrors.InvalidArgument("source_node", "is required");
        }

        if (request.SourceNode == options.NodeName)
        {
            throw RpcErrors.InvalidArgument("source_node", $"is this node ({options.NodeName}): a VM does not migrate to its own host");
        }

        var epoch = RequireEpoch(request.Epoch, "epoch", positive: true);
        var settings = MigrationMapping.ToSettings(request.Options);
        return RunAsync(context, async ct =>
        {
            var spec = VmMapping.ToSpec(request.Spec);
            RequireNetworkFor(spec);
            var errors = spec.Validate();
            if (errors.Count > 0)
            {
                throw new InvalidVmSpecException(errors);
            }

            // The target pulls the images from its own cloud's registry: only the disks' own data crosses the relay.
            await EnsureImagesAsync(spec, ct);

            await CreateLock.WaitAsync(ct);
            try
            {
                // The incoming VM holds its room from now on, like a created one: the transfer must not find the host full.
                var existing = (await driver.ListAsync(ct)).Any(v => v.Id == spec.Id);
                if (!existing)
                {
                    await EnsureRoomAsync(spec, ct);
                }

                var snapshot = await migrations.PrepareTargetAsync(id, spec, request.SourceNode, token, settings, epoch, ct);
                return Status(snapshot);
            }
            finally
            {
                CreateLock.Release();
            }
        });
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> StartMigrationSource(StartMigrationSourceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var vmId = RequireId(new VmRequest { Id = request.VmId });
        var token = MigrationMapping.Token(request.Token, "token");
        if (string.IsNullOrEmpty(request.TargetNode))
        {
            throw RpcErrors.InvalidArgument("target_node", "is required");
        }

        if (request.TargetNode == options.NodeName)
        {
            throw RpcErrors.InvalidArgument("target_node", $"is this node ({options.NodeName}): a VM does not migrate to its own host");
        }

        if (string.IsNullOrEmpty(request.TargetEndpoint) || !request.TargetEndpoint.Contains(':', StringComparison.Ordinal))
        {
            throw RpcErrors.InvalidArgument("target_endpoint", $"must be host:port, got '{request.TargetEndpoint}'");
        }

        var sourceEpoch = RequireEpoch(request.SourceEpoch, "source_epoch");
        var targetEpoch = RequireEpoch(request.TargetEpoch, "target_epoch", positive: true);
        if (targetEpoch <= sourceEpoch)
        {
            throw RpcErrors.InvalidArgument("target_epoch", $"must be newer than source_epoch {sourceEpoch}, got {targetEpoch}");
        }

        if (request.TargetUnderlayIp.Length > 0 && !SuperCloud.Crds.Networking.Ipv4Prefix.TryParseAddress(request.TargetUnderlayIp, out _))
        {
            throw RpcErrors.InvalidArgument("target_underlay_ip", $"must be an IPv4 address, got '{request.TargetUnderlayIp}'");
        }

        var settings = MigrationMapping.ToSettings(request.Options);
        return RunAsync(context, async ct =>
        {
            if (request.TargetUnderlayIp.Length > 0)
            {
                // Where the VM's traffic goes once it is paused here for good.
                network.ExpectOutgoing(vmId, request.TargetUnderlayIp);
            }

            return Status(await migrations.StartSourceAsync(
                id, vmId, request.TargetNode, request.TargetEndpoint, token, settings, sourceEpoch, targetEpoch, ct));
        });
    }

    /// <inheritdoc />
    public override Task<NetworkStatus> ApplyNetwork(NetworkConfig request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(context, async ct => NetworkMapping.ToStatus(network.Enabled ? await network.ApplyAsync(request, ct) : network.Report()));
    }

    /// <inheritdoc />
    public override Task<NetworkStatus> GetNetworkStatus(GetNetworkStatusRequest request, ServerCallContext context) =>
        RunAsync(context, _ => Task.FromResult(NetworkMapping.ToStatus(network.Report())));

    /// <inheritdoc />
    public override Task<MigrationStatus> GetMigration(MigrationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        return RunAsync(context, async ct => Status(await migrations.GetAsync(id, request.VmId, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> StartPostCopy(MigrationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        return RunAsync(context, async ct => Status(await migrations.StartPostCopyAsync(id, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> CancelMigration(MigrationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        return RunAsync(context, async ct => Status(await migrations.CancelAsync(id, request.VmId, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> AbortMigrationTarget(MigrationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var vmId = RequireId(new VmRequest { Id = request.VmId });
        var epoch = RequireEpoch(request.Epoch, "epoch");
        return RunAsync(context, async ct => Status(await migrations.AbortTargetAsync(id, vmId, epoch, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> RecoverMigrationTarget(RecoverMigrationTargetRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var vmId = RequireId(new VmRequest { Id = request.VmId });
        var token = MigrationMapping.Token(request.Token, "token");
        if (string.IsNullOrEmpty(request.SourceNode) || request.SourceNode == options.NodeName)
        {
            throw RpcErrors.InvalidArgument("source_node", $"must name the source node, not this one, got '{request.SourceNode}'");
        }

        var epoch = RequireEpoch(request.Epoch, "epoch", positive: true);
        var settings = MigrationMapping.ToSettings(request.Options);
        return RunAsync(context, async ct => Status(await migrations.RecoverTargetAsync(id, vmId, request.SourceNode, token, settings, epoch, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> RecoverMigrationSource(RecoverMigrationSourceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var vmId = RequireId(new VmRequest { Id = request.VmId });
        var token = MigrationMapping.Token(request.Token, "token");
        if (string.IsNullOrEmpty(request.TargetNode) || request.TargetNode == options.NodeName)
        {
            throw RpcErrors.InvalidArgument("target_node", $"must name the target node, not this one, got '{request.TargetNode}'");
        }

        if (string.IsNullOrEmpty(request.TargetEndpoint) || !request.TargetEndpoint.Contains(':', StringComparison.Ordinal))
        {
            throw RpcErrors.InvalidArgument("target_endpoint", $"must be host:port, got '{request.TargetEndpoint}'");
        }

        var settings = MigrationMapping.ToSettings(request.Options);
        return RunAsync(context, async ct => Status(await migrations.RecoverSourceAsync(id, vmId, request.TargetNode, request.TargetEndpoint, token, settings, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> CompleteMigrationTarget(MigrationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var vmId = RequireId(new VmRequest { Id = request.VmId });
        var epoch = RequireEpoch(request.Epoch, "epoch");
        return RunAsync(context, async ct => Status(await migrations.CompleteTargetAsync(id, vmId, epoch, ct)));
    }

    /// <inheritdoc />
    public override Task<MigrationStatus> RollBackMigrationSource(MigrationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireMigrationId(request.MigrationId);
        var vmId = RequireId(new VmRequest { Id = request.VmId });
        var epoch = RequireEpoch(request.Epoch, "epoch");
        var newEpoch = RequireEpoch(request.NewEpoch, "new_epoch", positive: true);
        if (newEpoch <= epoch)
        {
            throw RpcErrors.InvalidArgument("new_epoch", $"must be newer than epoch {epoch}, got {newEpoch}");
        }

        return RunAsync(context, async ct => Status(await migrations.RollBackSourceAsync(id, vmId, epoch, newEpoch, ct)));
    }

    private async Task EnsureImagesAsync(Hypervisor.VmSpec spec, CancellationToken ct)
    {
        foreach (var image in spec.ImageSources)
        {
            await pulls.EnsureAsync(spec.Id, image, ct);
        }
    }

    // Throws ResourceExhausted when the host lacks the room for spec; the caller holds CreateLock.
    private async Task EnsureRoomAsync(Hypervisor.VmSpec spec, CancellationToken ct)
    {
                var room = await ReadRoomAsync(available: true, ct);
                var shortages = new List<string>();
                if (spec.Vcpus > room.FreeCpus)
                {
                    shortages.Add($"cpu: spec.vcpus requests {spec.Vcpus}, {room.FreeCpus} available " +
                        $"(capacity {room.Cpus} - reserved {options.ReservedCpus} - {room.UsedCpus} used by {room.VmCount} VMs)");
                }

                if (spec.MemoryMib > room.FreeMemoryMib)
                {
                    shortages.Add($"memory: spec.memoryMib requests {spec.MemoryMib} MiB, {room.FreeMemoryMib} MiB available " +
                        $"(capacity {room.MemoryMib} MiB - reserved {options.ReservedMemoryMib} MiB - {room.UsedMemoryMib} MiB used by {room.VmCount} VMs)");
                }

                if (shortages.Count > 0)
                {
                    // ResourceExhausted, like the kubelet's OutOfcpu/OutOfmemory admission failure: the spec is fine, this
                    // host is full; the operator places the SuperPod elsewhere or retries once VMs are gone.
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"VM '{spec.Id}' does not fit on node '{options.NodeName}': insufficient " + string.Join("; insufficient ", shortages)));
                }
    }

    /// <inheritdoc />
    public override Task<Vm> StartVm(VmRequest request, ServerCallContext context)
    {
        var id = RequireId(request);
        var epoch = RequireEpoch(request.Epoch, "epoch");
        return RunAsync(context, async ct => Vm(await ownership.ActAsync(
            id, (record, now) => OwnershipRules.Run(record, id, epoch, "start", now), _ => driver.StartAsync(id, ct), OwnershipWrite.AfterAct, ct)));
    }

    /// <inheritdoc />
    public override Task<Vm> StopVm(VmRequest request, ServerCallContext context) =>
        RunAsync(context, async ct => Vm(await driver.StopAsync(RequireId(request), ct)));

    /// <inheritdoc />
    public override Task<Vm> PauseVm(VmRequest request, ServerCallContext context) =>
        RunAsync(context, async ct => Vm(await driver.PauseAsync(RequireId(request), ct)));

    /// <inheritdoc />
    public override Task<Vm> ResumeVm(VmRequest request, ServerCallContext context)
    {
        var id = RequireId(request);
        var epoch = RequireEpoch(request.Epoch, "epoch");
        return RunAsync(context, async ct => Vm(await ownership.ActAsync(
            id, (record, now) => OwnershipRules.Run(record, id, epoch, "resume", now), _ => driver.ResumeAsync(id, ct), OwnershipWrite.AfterAct, ct)));
    }

    /// <inheritdoc />
    public override Task<DeleteVmResponse> DeleteVm(VmRequest request, ServerCallContext context)
    {
        var id = RequireId(request);
        return RunAsync(context, async ct =>
        {
            // The record stays, with the epochs seen: a stale caller cannot bring this copy back.
            await ownership.ActAsync(
                id,
                (record, now) => OwnershipRules.Release(record, id, now),
                async _ =>
                {
                    await driver.DeleteAsync(id, ct);
                    return true;
                },
                OwnershipWrite.AfterAct,
                ct);
            return new DeleteVmResponse();
        });
    }

    /// <inheritdoc />
    public override Task<Vm> GetVm(VmRequest request, ServerCallContext context) =>
        RunAsync(context, async ct => Vm(await driver.GetAsync(RequireId(request), ct)));

    /// <inheritdoc />
    public override Task<ListVmsResponse> ListVms(ListVmsRequest request, ServerCallContext context) =>
        RunAsync(context, async ct =>
        {
            var response = new ListVmsResponse();
            response.Vms.AddRange((await driver.ListAsync(ct)).Select(Vm));
            return response;
        });

    /// <inheritdoc />
    public override async Task WatchVm(VmRequest request, IServerStreamWriter<Vm> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var id = RequireId(request);
        try
        {
            // A watch lives as long as the client wants it: only the client's own deadline (if any) ends it.
            await foreach (var status in driver.WatchAsync(id, context.CancellationToken))
            {
                await responseStream.WriteAsync(Vm(status), context.CancellationToken);
            }
        }
        catch (Exception ex) when (ex is HypervisorException)
        {
            throw RpcErrors.ToRpc(ex);
        }
    }

    /// <inheritdoc />
    public override Task<ConsoleLog> GetConsoleLog(GetConsoleLogRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequireId(new VmRequest { Id = request.Id });
        if (request.MaxBytes is < 0 or > MaxConsoleBytes)
        {
            throw RpcErrors.InvalidArgument("max_bytes", $"must be between 0 and {MaxConsoleBytes}, got {request.MaxBytes}");
        }

        return RunAsync(context, async ct => new ConsoleLog
        {
            Text = await driver.ReadConsoleTailAsync(id, request.MaxBytes == 0 ? DefaultConsoleBytes : request.MaxBytes, ct),
        });
    }

    /// <inheritdoc />
    public override async Task AttachConsole(IAsyncStreamReader<ConsoleInput> requestStream, IServerStreamWriter<ConsoleOutput> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken))
        {
            throw RpcErrors.InvalidArgument("id", "the first message must name the VM");
        }

        var first = requestStream.Current;
        var id = RequireId(new VmRequest { Id = first.Id });
        Stream console;
        try
        {
            console = await driver.AttachConsoleAsync(id, cancellationToken);
        }
        catch (HypervisorException e)
        {
            throw RpcErrors.ToRpc(e);
        }

        await using (console)
        {
            // Headers now: the caller learns the session is open before the guest has anything to say.
            await context.WriteResponseHeadersAsync([]);
            using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var input = PumpInputAsync(first, requestStream, console, session);
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var read = await console.ReadAsync(buffer, session.Token);
                    if (read == 0)
                    {
                        // QEMU closed the socket: the VM stopped, was deleted or migrated away.
                        break;
                    }

                    await responseStream.WriteAsync(new ConsoleOutput { Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read) }, session.Token);
                }
            }
            catch (OperationCanceledException) when (session.IsCancellationRequested)
            {
                // The caller detached (its input ended) or went away.
            }
            catch (IOException)
            {
                // The socket broke under QEMU's exit.
            }
            finally
            {
                await session.CancelAsync();
                await input;
            }
        }
    }

    // Copies the caller's input into the guest until the caller ends its stream; the end of input ends the session.
    private static async Task PumpInputAsync(ConsoleInput first, IAsyncStreamReader<ConsoleInput> requestStream, Stream console, CancellationTokenSource session)
    {
        try
        {
            var message = first;
            do
            {
                if (!message.Data.IsEmpty)
                {
                    await console.WriteAsync(message.Data.Memory, session.Token);
                    await console.FlushAsync(session.Token);
                }

                if (!await requestStream.MoveNext(session.Token))
                {
                    break;
                }

                message = requestStream.Current;
            }
            while (true);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The session ended first; nothing is left to deliver.
        }
        finally
        {
            await session.CancelAsync();
        }
    }

    // What the host offers and what its VMs take: every VM that is not Stopped or Crashed holds its vCPUs and memory.
    private async Task<Room> ReadRoomAsync(bool available, CancellationToken cancellationToken)
    {
        var (cpus, memoryMib) = hostResources.Read();
        var vms = available ? await driver.ListAsync(cancellationToken) : [];
        long usedMemory = 0;
        var usedCpus = 0;
        foreach (var vm in vms.Where(v => v.State is not (Hypervisor.VmState.Stopped or Hypervisor.VmState.Crashed)))
        {
            var spec = await driver.GetSpecAsync(vm.Id, cancellationToken);
            usedMemory += spec.MemoryMib;
            usedCpus += spec.Vcpus;
        }

        return new Room(cpus, memoryMib, usedCpus, usedMemory, vms.Count,
            Math.Max(0, cpus - options.ReservedCpus - usedCpus), Math.Max(0, memoryMib - options.ReservedMemoryMib - usedMemory));
    }

    // Without the overlay on this host a NIC would be a tap connected to nothing: say so instead.
    private void RequireNetworkFor(Hypervisor.VmSpec spec)
    {
        if (spec.Nics.Count > 0 && !network.Enabled)
        {
            throw RpcErrors.InvalidArgument("spec.nics", $"node '{options.NodeName}' has no overlay network (the agent runs with Network:Enabled false), so a VM here can have no NICs");
        }
    }

    private Vm Vm(Hypervisor.VmStatus status) => VmMapping.ToVm(status, ownership.Get(status.Id)?.HeldEpoch ?? 0);

    private MigrationStatus Status(MigrationSnapshot snapshot) => MigrationMapping.ToStatus(snapshot, options.NodeName);

    private static long RequireEpoch(long epoch, string field, bool positive = false) =>
        epoch < 0 || (positive && epoch == 0)
            ? throw RpcErrors.InvalidArgument(field, positive ? $"must be a positive epoch, got {epoch}" : $"must not be negative, got {epoch}")
            : epoch;

    private static string RequireMigrationId(string id) =>
        string.IsNullOrEmpty(id) ? throw RpcErrors.InvalidArgument("migration_id", "is required")
        : id.Length > 253 ? throw RpcErrors.InvalidArgument("migration_id", $"must be at most 253 characters, got {id.Length}")
        : id;

    private static string RequireId(VmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.IsNullOrEmpty(request.Id) ? throw RpcErrors.InvalidArgument("id", "is required")
            : !Hypervisor.VmSpec.IsValidId(request.Id) ? throw RpcErrors.InvalidArgument("id", $"must be a DNS label (a VM id), got '{request.Id}'")
            : request.Id;
    }

    // Every unary call has a deadline: the client's, or the agent's default when the client set none.
    private async Task<T> RunAsync<T>(ServerCallContext context, Func<CancellationToken, Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var defaultDeadline = new CancellationTokenSource(
            context.Deadline == DateTime.MaxValue ? options.DefaultCallDeadline : Timeout.InfiniteTimeSpan, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, defaultDeadline.Token);
        try
        {
            return await call(linked.Token);
        }
        catch (OperationCanceledException) when (defaultDeadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"{context.Method} did not finish within the agent's default deadline of {options.DefaultCallDeadline.TotalSeconds:0.#} s (the call set none)"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(context.Deadline <= timeProvider.GetUtcNow().UtcDateTime ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
                $"{context.Method} cancelled by the caller or its deadline"));
        }
        catch (Exception ex) when (ex is HypervisorException or MigrationNotFoundException or MigrationConflictException or OwnershipConflictException)
        {
            throw RpcErrors.ToRpc(ex);
        }
    }

    private sealed record Room(int Cpus, long MemoryMib, int UsedCpus, long UsedMemoryMib, int VmCount, int FreeCpus, long FreeMemoryMib);
}
