using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Grpc.Core;
using k8s;
using k8s.Models;
using SuperCloud.Agent.V1;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Subresources;

/// <summary>
/// The SuperPod subresources of <c>subresources.supercloud.dev</c>, as KubeVirt's for VMIs: <c>console</c> (a WebSocket
/// relayed to the serial console through the agent of the SuperPod's node), <c>pause</c> and <c>unpause</c>. Each request
/// is authorised for the user the API server names with a SubjectAccessReview, whatever the API server checked before.
/// </summary>
public sealed partial class SuperPodSubresources(
    IKubernetes kubernetes, Informer<SuperPod> pods, Informer<SuperNode> nodes, IServiceProvider services, ILogger<SuperPodSubresources> logger)
{
    /// <summary>The API group.</summary>
    public const string Group = "subresources.supercloud.dev";

    /// <summary>The version.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The WebSocket subprotocol of the console: binary messages, the serial bytes as they are (as KubeVirt's <c>plain.kubevirt.io</c>).</summary>
    public const string ConsoleProtocol = "plain.supercloud.dev";

    /// <summary>The discovery document of the group version.</summary>
    public static JsonObject ResourceList() => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = $"{Group}/{Version}",
        ["resources"] = new JsonArray(
            Resource("superpods/console", ["get"]),
            Resource("superpods/pause", ["update"]),
            Resource("superpods/unpause", ["update"])),
    };

    /// <summary>Serves one request for <paramref name="subresource"/> of SuperPod <paramref name="ns"/>/<paramref name="name"/>.</summary>
    public async Task HandleAsync(HttpContext context, RemoteUser user, string ns, string name, string subresource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        var (verb, allowed) = subresource switch
        {
            "console" => ("get", context.Request.Method == "GET"),
            "pause" or "unpause" => ("update", context.Request.Method == "PUT"),
            _ => ("", false),
        };
        if (verb.Length == 0)
        {
            await new SubresourceStatus(404, "NotFound", $"the server could not find the requested resource (superpods/{subresource})").WriteAsync(context.Response, cancellationToken);
            return;
        }

        if (!allowed)
        {
            await new SubresourceStatus(405, "MethodNotAllowed", $"superpods/{subresource} does not allow {context.Request.Method}").WriteAsync(context.Response, cancellationToken);
            return;
        }

        if (await ReviewAsync(user, verb, ns, name, subresource, cancellationToken) is { } denied)
        {
            LogDenied(ns, name, subresource, user.Name, denied.Message);
            await denied.WriteAsync(context.Response, cancellationToken);
            return;
        }

        var outcome = subresource == "console"
            ? await ConsoleAsync(context, user, ns, name, cancellationToken)
            : await PauseAsync(ns, name, subresource == "pause", user, cancellationToken);
        if (outcome is not null && !context.Response.HasStarted)
        {
            await outcome.WriteAsync(context.Response, cancellationToken);
        }
    }

    private static JsonObject Resource(string name, string[] verbs) => new()
    {
        ["name"] = name,
        ["singularName"] = "",
        ["namespaced"] = true,
        ["kind"] = "SuperPod",
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };

    // The user's right to the subresource, asked of the API server (as KubeVirt's virt-api does): null when allowed.
    private async Task<SubresourceStatus?> ReviewAsync(RemoteUser user, string verb, string ns, string name, string subresource, CancellationToken cancellationToken)
    {
        var review = new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user.Name,
                Groups = [.. user.Groups],
                Extra = user.Extra.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]),
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = Group, Version = Version, Resource = "superpods", Subresource = subresource, Verb = verb, NamespaceProperty = ns, Name = name,
                },
            },
        };
        var answer = await kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(review, cancellationToken: cancellationToken);
        if (answer.Status?.Allowed == true)
        {
            return null;
        }

        var why = string.IsNullOrEmpty(answer.Status?.Reason) ? "" : ": " + answer.Status.Reason;
        return new SubresourceStatus(403, "Forbidden",
            $"superpods.{Group} \"{name}\" is forbidden: User \"{user.Name}\" cannot {verb} resource \"superpods/{subresource}\" in API group \"{Group}\" in the namespace \"{ns}\"{why}");
    }

    private async Task<SubresourceStatus?> ConsoleAsync(HttpContext context, RemoteUser user, string ns, string name, CancellationToken cancellationToken)
    {
        var (pod, client, error) = Locate(ns, name, "open the console of");
        if (error is not null)
        {
            return error;
        }

        if (pod!.Status?.Phase is not (SuperPodPhase.Running or SuperPodPhase.Migrating))
        {
            return new SubresourceStatus(409, "Conflict", $"cannot open the console of SuperPod {ns}/{name}: it is {pod.Status?.Phase?.ToString() ?? "Pending"}, not Running");
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return new SubresourceStatus(400, "BadRequest", $"superpods/console of {ns}/{name} is a WebSocket ({ConsoleProtocol}): the request must ask to upgrade");
        }

        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = client!.AttachConsole(cancellationToken: session.Token);
        try
        {
            await call.RequestStream.WriteAsync(new ConsoleInput { Id = SuperPodController.VmId(pod) }, cancellationToken);
            // The agent answers its headers once the console is attached, or fails the call: only then is the upgrade accepted.
            await call.ResponseHeadersAsync;
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // A call that failed at once refuses further writes; its status says why.
        }

        if (Completed(call) is { StatusCode: not StatusCode.OK } refused)
        {
            return AgentError(ns, name, pod.Status!.Node!, "open the console of", new RpcException(refused));
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(ConsoleProtocol);
        LogConsoleOpened(ns, name, pod!.Status!.Node!, user.Name);
        var output = Task.Run(async () =>
        {
            try
            {
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(session.Token))
                {
                    await socket.SendAsync(chunk.Data.Memory, WebSocketMessageType.Binary, endOfMessage: true, session.Token);
                }

                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "the console ended (the VM stopped or moved)", CancellationToken.None);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or WebSocketException or IOException)
            {
                // Either side went away; the session ends below.
                if (!session.IsCancellationRequested)
                {
                    LogConsoleBroken(ns, name, "guest output", e.Message);
                }
            }
            finally
            {
                await session.CancelAsync();
            }
        }, CancellationToken.None);

        var buffer = new byte[4096];
        try
        {
            while (!session.IsCancellationRequested)
            {
                var received = await socket.ReceiveAsync(buffer, session.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                await call.RequestStream.WriteAsync(new ConsoleInput { Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, received.Count) }, session.Token);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or WebSocketException or IOException or InvalidOperationException or NotSupportedException)
        {
            // The user detached or the agent ended the call.
            if (!session.IsCancellationRequested)
            {
                LogConsoleBroken(ns, name, "user input", e.Message);
            }
        }
        finally
        {
            await session.CancelAsync();
            await output;
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }

            LogConsoleClosed(ns, name, user.Name);
        }

        return null;
    }

    private async Task<SubresourceStatus?> PauseAsync(string ns, string name, bool pause, RemoteUser user, CancellationToken cancellationToken)
    {
        var operation = pause ? "pause" : "unpause";
        var (pod, client, error) = Locate(ns, name, operation);
        if (error is not null)
        {
            return error;
        }

        if (pod!.Status?.Migration is { } migration)
        {
            return new SubresourceStatus(409, "Conflict", $"SuperPod {ns}/{name} is migrating (SuperPodMigration {migration.Name}, {migration.Phase}): {operation} it once the migration has ended");
        }

        var request = new VmRequest { Id = SuperPodController.VmId(pod), Epoch = pause ? 0 : pod.Status?.OwnerEpoch ?? 0 };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        try
        {
            _ = pause
                ? await client!.PauseVmAsync(request, deadline: deadline, cancellationToken: cancellationToken)
                : await client!.ResumeVmAsync(request, deadline: deadline, cancellationToken: cancellationToken);
        }
        catch (RpcException e)
        {
            return AgentError(ns, name, pod.Status!.Node!, operation, e);
        }

        LogPaused(ns, name, operation, user.Name);
        return null;
    }

    private (SuperPod? Pod, NodeAgent.NodeAgentClient? Client, SubresourceStatus? Error) Locate(string ns, string name, string operation)
    {
        if (pods.Cache.Get(new ObjectKey(ns, name)) is not { } pod)
        {
            return (null, null, new SubresourceStatus(404, "NotFound", $"superpods.supercloud.dev \"{name}\" not found in namespace \"{ns}\""));
        }

        if (pod.Status?.Node is not { Length: > 0 } nodeName)
        {
            return (pod, null, new SubresourceStatus(409, "Conflict", $"cannot {operation} SuperPod {ns}/{name}: it runs on no node (phase {pod.Status?.Phase?.ToString() ?? "Pending"})"));
        }

        if (services.GetService<AgentClientFactory>() is not { } agents)
        {
            return (pod, null, new SubresourceStatus(503, "ServiceUnavailable", $"cannot {operation} SuperPod {ns}/{name}: the operator has no identity towards node agents"));
        }

        if (nodes.Cache.Get(new ObjectKey(null, nodeName)) is not { } node || string.IsNullOrEmpty(node.Spec?.AgentEndpoint))
        {
            return (pod, null, new SubresourceStatus(503, "ServiceUnavailable", $"cannot {operation} SuperPod {ns}/{name}: its node {nodeName} has no SuperNode with an agent endpoint"));
        }

        return (pod, agents.Client(node), null);
    }

    private static Status? Completed(AsyncDuplexStreamingCall<ConsoleInput, ConsoleOutput> call)
    {
        try
        {
            return call.GetStatus();
        }
        catch (InvalidOperationException)
        {
            // Still running: the console is attached.
            return null;
        }
    }

    private static SubresourceStatus AgentError(string ns, string name, string node, string operation, RpcException e) => e.StatusCode switch
    {
        StatusCode.FailedPrecondition => new SubresourceStatus(409, "Conflict", $"cannot {operation} SuperPod {ns}/{name} on node {node}: {e.Status.Detail}"),
        StatusCode.NotFound => new SubresourceStatus(404, "NotFound", $"cannot {operation} SuperPod {ns}/{name}: node {node} has no VM for it: {e.Status.Detail}"),
        _ when AgentClientFactory.IsUnreachable(e) => new SubresourceStatus(503, "ServiceUnavailable", $"cannot {operation} SuperPod {ns}/{name}: the agent of node {node} does not answer: {e.Status.Detail}"),
        _ => new SubresourceStatus(500, "InternalError", $"cannot {operation} SuperPod {ns}/{name}: the agent of node {node} failed: {e.Status.StatusCode}: {e.Status.Detail}"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of SuperPod {Namespace}/{Name} opened on node {Node} for {User}")]
    private partial void LogConsoleOpened(string @namespace, string name, string node, string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of SuperPod {Namespace}/{Name} closed for {User}")]
    private partial void LogConsoleClosed(string @namespace, string name, string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of SuperPod {Namespace}/{Name}: the {Direction} stream ended: {Reason}")]
    private partial void LogConsoleBroken(string @namespace, string name, string direction, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SuperPod {Namespace}/{Name}: {Operation} for {User}")]
    private partial void LogPaused(string @namespace, string name, string operation, string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "SuperPod {Namespace}/{Name}: {Subresource} refused to {User}: {Reason}")]
    private partial void LogDenied(string @namespace, string name, string subresource, string user, string reason);
}
