using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Auth;

namespace SuperCloud.Lab.ApiServer;

/// <summary>The HTTP front of the server: health, version, OpenAPI, discovery and resource requests with kube's status codes.</summary>
internal sealed partial class ApiHandler(
    ResourceOperations operations, FaultInjector faults, RequestSecurity security, ServiceAccountTokens tokens, TimeProvider time, ILogger logger,
    AggregatedApis? aggregated = null)
{
    /// <summary>kube-apiserver's limit on a request body (3 MiB); Kestrel enforces it while the body is read.</summary>
    public const long MaxRequestBodyBytes = 3 * 1024 * 1024;

    private ObjectStore Store => operations.Store;

    private ResourceRegistry Registry => operations.Registry;

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var path = context.Request.Path.Value ?? "/";
        var apiPath = ApiPath.Parse(path);
        var started = time.GetTimestamp();
        // A response never shows a resourceVersion that a crash could take back: it waits until every change committed
        // so far is durable (a no-op without a store log, and when nothing is being written).
        context.Response.OnStarting(() => Store.WaitPublishedAsync(Store.ResourceVersion, cancellationToken));
        try
        {
            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, time, cancellationToken);
            }

            if (faults.Consume(path, Verb(context.Request, apiPath)) is { } injected)
            {
                throw new StatusException(injected, ReasonFor(injected), $"injected failure ({injected})");
            }

            if (context.Request.ContentLength > MaxRequestBodyBytes)
            {
                // Refused before reading a byte: a client that sent "Expect: 100-continue" never uploads the body.
                throw new StatusException(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxRequestBodyBytes}");
            }

            security.Check(context, apiPath);
            if (apiPath is { Group.Length: > 0, Version: not null } && aggregated?.Find(apiPath.Group, apiPath.Version) is { } apiService)
            {
                await aggregated.ProxyAsync(context, apiService, cancellationToken);
            }
            else if (apiPath is null)
            {
                await HandleNonResourceAsync(context, path, cancellationToken);
            }
            else if (apiPath.Plural is null)
            {
                await HandleDiscoveryAsync(context, apiPath, cancellationToken);
            }
            else
            {
                await HandleResourceAsync(context, apiPath, cancellationToken);
            }
        }
        catch (StatusException e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteFailureAsync(context, e, cancellationToken);
            }
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // Kestrel's own limits (the 3 MiB body, a body shorter than its Content-Length): kube's 413/400 with a Status.
            var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new StatusException(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxRequestBodyBytes}")
                : new StatusException(e.StatusCode, ReasonFor(e.StatusCode), e.Message);
            context.Response.Headers.Connection = "close";
            await WriteFailureAsync(context, error, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            logger.LogError(e, "Request {Method} {Path} failed", context.Request.Method, path);
            await HttpIo.WriteStatusAsync(context, new StatusException(500, "InternalError", $"Internal error occurred: {e.Message}"), cancellationToken);
        }
        finally
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("{Method} {Path}{Query} {Status} in {Milliseconds:F1} ms", context.Request.Method, path,
                    context.Request.QueryString.Value, context.Response.StatusCode, time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>Writes the Status; its details come from the exception, never guessed from the message.</summary>
    private static Task WriteFailureAsync(HttpContext context, StatusException e, CancellationToken cancellationToken) =>
        HttpIo.WriteStatusAsync(context, e, cancellationToken);

    private static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };

    /// <summary>The kube verb of a request, for fault matching.</summary>
    private static string Verb(HttpRequest request, ApiPath? path) => request.Method switch
    {
        "GET" when path?.Name is null && (request.Query["watch"] == "true" || request.Query["watch"] == "1") => "watch",
        "GET" when path?.Plural is not null && path.Name is null => "list",
        "GET" => "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" when path?.Name is null => "deletecollection",
        "DELETE" => "delete",
        _ => request.Method.ToLowerInvariant(),
    };

    private static StatusException NotFoundPath() =>
        new(404, "NotFound", "the server could not find the requested resource");

    private async Task HandleNonResourceAsync(HttpContext context, string path, CancellationToken cancellationToken)
    {
        switch (path.TrimEnd('/'))
        {
            case "/healthz" or "/readyz" or "/livez":
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("ok", cancellationToken);
                return;
            case "/version":
                await HttpIo.WriteJsonAsync(context, 200, Discovery.Version(), cancellationToken);
                return;
        }

        if (path.StartsWith("/openapi/", StringComparison.Ordinal))
        {
            await HandleOpenApiAsync(context, path.TrimEnd('/'), cancellationToken);
            return;
        }

        throw NotFoundPath();
    }

    private async Task HandleDiscoveryAsync(HttpContext context, ApiPath path, CancellationToken cancellationToken)
    {
        if (context.Request.Method != "GET")
        {
            throw Errors.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }

        var accept = context.Request.Headers.Accept.ToString();
        JsonObject? body;
        if (path.Version is null && (path.Group is null || path.Group.Length == 0))
        {
            var core = path.Group is not null;
            if (Discovery.WantsAggregated(accept))
            {
                context.Response.Headers["Vary"] = "Accept";
                await HttpIo.WriteJsonAsync(context, 200, Discovery.Aggregated(Registry, core, HasScale), cancellationToken, Discovery.AggregatedContentType);
                return;
            }

            body = core ? Discovery.ApiVersions(context.Request.Host.Value ?? "127.0.0.1") : Discovery.GroupList(Registry);
        }
        else if (path.Version is null)
        {
            body = Discovery.Group(Registry, path.Group!);
        }
        else
        {
            body = Discovery.ResourceList(Registry, path.Group ?? "", path.Version, HasScale);
        }

        await HttpIo.WriteJsonAsync(context, 200, body ?? throw NotFoundPath(), cancellationToken);
    }

    private bool HasScale(ApiResource resource) => ScaleSubresource.For(resource, Store) is not null;

    private async Task HandleResourceAsync(HttpContext context, ApiPath path, CancellationToken cancellationToken)
    {
        var resource = Registry.Find(path.Group ?? "", path.Version!, path.Plural!) ?? throw NotFoundPath();
        if (path.Namespace is not null && !resource.Namespaced)
        {
            throw NotFoundPath();
        }

        var isToken = path.Subresource == "token" && resource == ServiceAccountResource && path.Name is not null;
        var isApproval = path.Subresource == "approval" && resource == CertificateSigningRequests.Resource;
        if (path.Subresource is not null && !(path.Subresource == "status" && resource.HasStatusSubresource)
            && !(path.Subresource == "scale" && ScaleSubresource.For(resource, Store) is not null) && !isToken && !isApproval)
        {
            throw NotFoundPath();
        }

        if (resource == CertificateSigningRequests.Resource && path.Subresource is "approval" or "status" && context.Request.Method is "PUT" or "PATCH"
            && Store.Peek(resource, null, path.Name!) is { } csr)
        {
            CertificateSigningRequests.Authorize(security, RequestSecurity.UserOf(context), csr, path.Subresource);
        }

        var request = new ApiRequest(context, resource, path.Namespace, path.Name, path.Subresource);
        if (BuiltInResources.IsReview(resource))
        {
            await ReviewAsync(request, cancellationToken);
            return;
        }

        if (isToken)
        {
            await TokenRequestAsync(request, cancellationToken);
            return;
        }

        var method = context.Request.Method;
        if (path.Name is null)
        {
            switch (method)
            {
                case "GET" when request.Flag("watch"):
                    await WatchAsync(request, cancellationToken);
                    return;
                case "GET":
                    await ListAsync(request, cancellationToken);
                    return;
                case "POST" when !resource.Namespaced || path.Namespace is not null:
                    await CreateAsync(request, cancellationToken);
                    return;
                case "DELETE":
                    await DeleteCollectionAsync(request, cancellationToken);
                    return;
                case "POST":
                    throw NotFoundPath();
                default:
                    throw Errors.MethodNotAllowed($"the server does not allow this method on the requested resource");
            }
        }

        if (resource.Namespaced && path.Namespace is null)
        {
            throw NotFoundPath();
        }

        if (path.Subresource == "scale")
        {
            await ScaleAsync(request, cancellationToken);
            return;
        }

        switch (method)
        {
            case "GET":
                await GetAsync(request, cancellationToken);
                return;
            case "PUT":
                await UpdateAsync(request, cancellationToken);
                return;
            case "PATCH":
                await PatchAsync(request, cancellationToken);
                return;
            case "DELETE" when path.Subresource is null:
                await DeleteAsync(request, cancellationToken);
                return;
            default:
                throw Errors.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    /// <summary>The object as served at the requested version (CRD versions share storage without conversion).</summary>
    private static JsonObject AsServed(ApiResource resource, JsonObject obj)
    {
        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = resource.Kind;
        return obj;
    }
}
