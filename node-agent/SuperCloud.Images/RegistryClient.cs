using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace SuperCloud.Images;

/// <summary>
/// A client of the OCI distribution API (what Docker's registry, Harbor, GHCR and ECR serve): resolves tags to manifest
/// digests, fetches manifests and blobs by digest verifying every byte's SHA-256 while it streams, and pushes blobs
/// (in one request or in chunks), cross-repository mounts and manifests. Anonymous access, the distribution token flow
/// (a bearer token from the realm the registry names, with or without credentials) and Basic authentication; HTTPS with
/// an extra CA bundle, or plain HTTP for the registries the options list.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private const string AcceptManifests = MediaTypes.OciManifest + ", " + MediaTypes.OciIndex + ", " + MediaTypes.DockerManifest + ", " + MediaTypes.DockerManifestList;

    // A manifest is small; anything bigger is not one (and is not read into memory).
    private const int MaxManifestBytes = 4 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly RegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Registry, string Scope), string> _tokens = new();
    private readonly HashSet<string> _plainHttp;

    /// <summary>Creates a client with its own HTTP connection pool, trusting the system's CAs and the options' bundle.</summary>
    public RegistryClient(RegistryOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _plainHttp = new HashSet<string>(options.PlainHttp, StringComparer.OrdinalIgnoreCase);
        _http = new HttpClient(CreateHandler(options)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Resolves <paramref name="reference"/> (its tag, or its digest) to the descriptor of an image manifest: an index is
    /// followed to its linux/<paramref name="architecture"/> manifest. The manifest's bytes are verified against the
    /// digest the registry announces and, for a digest reference, against that digest.
    /// </summary>
    public async Task<Descriptor> ResolveAsync(ImageReference reference, string architecture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var registry = RequireRegistry(reference);
        var manifest = await FetchManifestAsync(registry, reference.Repository, reference.ManifestReference, reference.Digest, cancellationToken);
        if (MediaTypes.IsIndex(manifest.MediaType))
        {
            var entry = ImageIndex.Parse(manifest.Bytes).Select(architecture)
                ?? throw new RegistryException(RegistryErrorKind.NotFound, $"{reference} is an index without a manifest for linux/{architecture}");
            manifest = await GetManifestAsync(registry, reference.Repository, entry.ParsedDigest(), cancellationToken);
            if (MediaTypes.IsIndex(manifest.MediaType))
            {
                throw new RegistryException(RegistryErrorKind.InvalidImage, $"{reference}: the index for linux/{architecture} points at another index");
            }
        }

        return new Descriptor { MediaType = manifest.MediaType, Digest = manifest.Digest.ToString(), Size = manifest.Bytes.LongLength };
    }

    /// <summary>Fetches the manifest <paramref name="digest"/> of <paramref name="repository"/>, verified against the digest.</summary>
    public Task<ManifestContent> GetManifestAsync(string registry, string repository, Digest digest, CancellationToken cancellationToken) =>
        FetchManifestAsync(registry, repository, digest.ToString(), digest, cancellationToken);

    /// <summary>
    /// Streams the blob <paramref name="digest"/> of <paramref name="repository"/> into <paramref name="destination"/>,
    /// hashing as it goes; throws <see cref="RegistryException"/> (DigestMismatch) when the bytes do not hash to the digest or
    /// their count differs from <paramref name="size"/> — the caller must discard what was written then.
    /// <paramref name="progress"/> hears the bytes received so far.
    /// </summary>
    public async Task GetBlobAsync(string registry, string repository, Digest digest, long size, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var what = $"blob {digest} of {registry}/{repository}";
        using var response = await SendAsync(registry, repository, "pull", () => new HttpRequestMessage(HttpMethod.Get, Url(registry, $"{repository}/blobs/{digest}")), cancellationToken);
        await EnsureSuccessAsync(response, what, cancellationToken);
        if (response.Content.Headers.ContentLength is { } announced && announced != size)
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{what}: the registry sends {announced} bytes, the manifest says {size}");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1 << 20];
        long received = 0;
        using var idle = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        while (true)
        {
            idle.CancelAfter(_options.RequestTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, reading.Token);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new RegistryException(RegistryErrorKind.Unreachable, $"{what}: the download broke off after {received} of {size} bytes: {Describe(ex)}", ex);
            }

            if (read == 0)
            {
                break;
            }

            received += read;
            if (received > size)
            {
                throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{what}: the registry sent more than the {size} bytes the manifest says");
            }

            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            progress?.Report(received);
        }

        if (received != size)
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{what}: the registry sent {received} bytes, the manifest says {size}");
        }

        var actual = Digest.FromHash(hash.GetHashAndReset());
        if (actual != digest)
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{what}: the content's digest is {actual}: the blob is corrupted or was tampered with");
        }
    }

    /// <summary>True when <paramref name="repository"/> holds the blob <paramref name="digest"/>.</summary>
    public async Task<bool> BlobExistsAsync(string registry, string repository, Digest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(registry, repository, "pull", () => new HttpRequestMessage(HttpMethod.Head, Url(registry, $"{repository}/blobs/{digest}")), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, $"blob {digest} of {registry}/{repository}", cancellationToken);
        return true;
    }

    /// <summary>
    /// Asks the registry to link the blob <paramref name="digest"/> of <paramref name="fromRepository"/> into
    /// <paramref name="repository"/> without sending it; false when it did not (the blob must be uploaded then).
    /// </summary>
    public async Task<bool> MountBlobAsync(string registry, string repository, Digest digest, string fromRepository, CancellationToken cancellationToken)
    {
        var query = $"?mount={Uri.EscapeDataString(digest.ToString())}&from={Uri.EscapeDataString(fromRepository)}";
        using var response = await SendAsync(registry, repository, "push,pull", () => new HttpRequestMessage(HttpMethod.Post, Url(registry, $"{repository}/blobs/uploads/{query}")), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        await EnsureSuccessAsync(response, $"mount of {digest} into {registry}/{repository}", cancellationToken);

        // 202: the registry opened an upload instead; leave it to expire rather than guess how to cancel it.
        return false;
    }

    /// <summary>
    /// Uploads <paramref name="size"/> bytes from <paramref name="content"/> as the blob <paramref name="digest"/> of
    /// <paramref name="repository"/> (in one PUT up to <see cref="RegistryOptions.UploadChunkBytes"/>, else in PATCH chunks);
    /// the registry verifies the digest. Nothing is sent when the blob exists already.
    /// </summary>
    public async Task PushBlobAsync(string registry, string repository, Digest digest, long size, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (await BlobExistsAsync(registry, repository, digest, cancellationToken))
        {
            return;
        }

        var what = $"upload of {digest} to {registry}/{repository}";
        Uri location;
        using (var start = await SendAsync(registry, repository, "push,pull", () => new HttpRequestMessage(HttpMethod.Post, Url(registry, $"{repository}/blobs/uploads/")), cancellationToken))
        {
            await EnsureSuccessAsync(start, what, cancellationToken);
            location = Location(registry, start, what);
        }

        var chunk = _options.UploadChunkBytes;
        if (size > chunk)
        {
            var buffer = new byte[chunk];
            long offset = 0;
            while (offset < size)
            {
                var length = (int)Math.Min(chunk, size - offset);
                await content.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
                var (from, to) = (offset, offset + length - 1);
                var at = location;
                using var patch = await SendAsync(registry, repository, "push,pull", () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Patch, at) { Content = new ByteArrayContent(buffer, 0, length) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    request.Content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"{from}-{to}"));
                    return request;
                }, cancellationToken);
                await EnsureSuccessAsync(patch, $"{what} (bytes {from}-{to})", cancellationToken);
                location = Location(registry, patch, what);
                offset += length;
            }

            using var close = await SendAsync(registry, repository, "push,pull", () => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)) { Content = new ByteArrayContent([]) }, cancellationToken);
            await EnsureSuccessAsync(close, what, cancellationToken);
            return;
        }

        var bytes = new byte[size];
        await content.ReadExactlyAsync(bytes, cancellationToken);
        using var put = await SendAsync(registry, repository, "push,pull", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return request;
        }, cancellationToken);
        await EnsureSuccessAsync(put, what, cancellationToken);
    }

    /// <summary>Pushes manifest bytes under <paramref name="reference"/> (a tag, or the digest itself); returns their digest.</summary>
    public async Task<Digest> PushManifestAsync(string registry, string repository, byte[] content, string mediaType, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var digest = Digest.Of(content);
        using var response = await SendAsync(registry, repository, "push,pull", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, Url(registry, $"{repository}/manifests/{reference}")) { Content = new ByteArrayContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, cancellationToken);
        await EnsureSuccessAsync(response, $"push of manifest {digest} to {registry}/{repository}:{reference}", cancellationToken);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } announced && announced != digest.ToString())
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{registry}/{repository}: the registry stored the manifest as {announced}, not {digest}");
        }

        return digest;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<ManifestContent> FetchManifestAsync(string registry, string repository, string reference, Digest? expected, CancellationToken cancellationToken)
    {
        var what = $"manifest {registry}/{repository}:{reference}";
        using var response = await SendAsync(registry, repository, "pull", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Url(registry, $"{repository}/manifests/{reference}"));
            request.Headers.TryAddWithoutValidation("Accept", AcceptManifests);
            return request;
        }, cancellationToken);
        await EnsureSuccessAsync(response, what, cancellationToken);
        if (response.Content.Headers.ContentLength is > MaxManifestBytes)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"{what} is {response.Content.Headers.ContentLength} bytes, more than a manifest may be");
        }

        byte[] bytes;
        try
        {
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException(RegistryErrorKind.Unreachable, $"{what}: the download broke off: {Describe(ex)}", ex);
        }

        var actual = Digest.Of(bytes);
        if (expected is { } wanted && actual != wanted)
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{what}: the content's digest is {actual}: the manifest is corrupted or was tampered with");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } announced && announced != actual.ToString())
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, $"{what}: the registry says its digest is {announced} but the content's is {actual}");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType is { Length: > 0 } announcedType && announcedType != "application/json"
            ? announcedType
            : DeclaredMediaType(bytes) ?? MediaTypes.OciManifest;
        return new ManifestContent(actual, mediaType, bytes);
    }

    // Sends a request built by build (it may be sent twice: again with credentials after a 401), with the cached token.
    private async Task<HttpResponseMessage> SendAsync(string registry, string repository, string actions, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        var scope = $"repository:{repository}:{actions}";
        var response = await SendOnceAsync(registry, build, _tokens.TryGetValue((registry, scope), out var token) ? new AuthenticationHeaderValue("Bearer", token) : null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        response.Dispose();
        AuthenticationHeaderValue authorization;
        if (challenge?.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) == true)
        {
            var fresh = await FetchTokenAsync(registry, challenge.Parameter ?? "", scope, cancellationToken);
            _tokens[(registry, scope)] = fresh;
            authorization = new AuthenticationHeaderValue("Bearer", fresh);
        }
        else if (challenge?.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) == true && _options.Credentials.TryGetValue(registry, out var credentials))
        {
            authorization = new AuthenticationHeaderValue("Basic", BasicValue(credentials));
        }
        else
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized,
                $"{registry} requires authentication ({challenge?.Scheme ?? "no challenge"}) and " +
                (_options.Credentials.ContainsKey(registry) ? "its scheme is not supported" : "no credentials are configured for it"));
        }

        return await SendOnceAsync(registry, build, authorization, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(string registry, Func<HttpRequestMessage> build, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = build();
        request.Headers.Authorization = authorization;
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException(RegistryErrorKind.Unreachable, $"{registry} did not answer {request.Method} {request.RequestUri?.AbsolutePath} within {_options.RequestTimeout.TotalSeconds:0.#} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException(RegistryErrorKind.Unreachable, $"{registry} is unreachable ({Scheme(registry)}): {Describe(ex)}", ex);
        }
    }

    // The distribution token flow: GET realm?service=…&scope=…, with Basic credentials when configured.
    private async Task<string> FetchTokenAsync(string registry, string challenge, string scope, CancellationToken cancellationToken)
    {
        var parameters = ParseChallenge(challenge);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{registry} asks for a bearer token without a usable realm ('{challenge}')");
        }

        var query = new StringBuilder("?scope=").Append(Uri.EscapeDataString(parameters.GetValueOrDefault("scope") ?? scope));
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("&service=").Append(Uri.EscapeDataString(service));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(realmUri, realmUri.AbsolutePath + query));
        if (_options.Credentials.TryGetValue(registry, out var credentials))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(credentials));
        }

        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, linked.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new RegistryException(RegistryErrorKind.Unreachable, $"the token service of {registry} at {realmUri.GetLeftPart(UriPartial.Authority)} is unreachable: {Describe(ex)}", ex);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new RegistryException(RegistryErrorKind.Unauthorized, $"the token service of {registry} refused {(credentials is null ? "anonymous access" : $"the credentials of {credentials.Username}")} to {scope}");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException(RegistryErrorKind.Unreachable, $"the token service of {registry} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            foreach (var name in new[] { "token", "access_token" })
            {
                if (body.RootElement.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } token)
                {
                    return token;
                }
            }

            throw new RegistryException(RegistryErrorKind.Unauthorized, $"the token service of {registry} answered without a token");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = "";
        try
        {
            if (response.Content.Headers.ContentLength is null or < 65536)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                detail = ErrorDetail(text);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The status says enough.
        }

        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}{(detail.Length > 0 ? ": " + detail : "")}";
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => new RegistryException(RegistryErrorKind.NotFound, $"{what} does not exist ({status})"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new RegistryException(RegistryErrorKind.Unauthorized, $"{what} was refused ({status})"),
            >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout =>
                new RegistryException(RegistryErrorKind.Unreachable, $"{what} failed in the registry ({status})"),
            _ => new RegistryException(RegistryErrorKind.InvalidImage, $"{what} was rejected ({status})"),
        };
    }

    // The distribution spec's error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}.
    private static string ErrorDetail(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                return string.Join("; ", errors.EnumerateArray().Select(e =>
                    $"{(e.TryGetProperty("code", out var c) ? c.GetString() : "")} {(e.TryGetProperty("message", out var m) ? m.GetString() : "")}".Trim()));
            }
        }
        catch (JsonException)
        {
            // Not the spec's error body.
        }

        return body.Length > 200 ? body[..200] : body.Trim();
    }

    private static string? DeclaredMediaType(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.TryGetProperty("mediaType", out var type) ? type.GetString()
                : document.RootElement.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> ParseChallenge(string challenge)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < challenge.Length)
        {
            while (i < challenge.Length && challenge[i] is ' ' or ',')
            {
                i++;
            }

            var eq = challenge.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = challenge[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < challenge.Length && challenge[i] == '"')
            {
                var end = challenge.IndexOf('"', i + 1);
                end = end < 0 ? challenge.Length : end;
                value = challenge[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = challenge.IndexOf(',', i);
                end = end < 0 ? challenge.Length : end;
                value = challenge[i..end].Trim();
                i = end;
            }

            result[key] = value;
        }

        return result;
    }

    private static string BasicValue(RegistryCredentials credentials) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));

    private static string RequireRegistry(ImageReference reference) =>
        reference.Registry ?? throw new ArgumentException($"image reference '{reference}' names no registry; qualify it first", nameof(reference));

    private string Scheme(string registry) => _plainHttp.Contains(registry) ? "http" : "https";

    private Uri Url(string registry, string path) => new($"{Scheme(registry)}://{registry}/v2/{path}");

    private static Uri Location(string registry, HttpResponseMessage response, string what)
    {
        var location = response.Headers.Location ?? throw new RegistryException(RegistryErrorKind.InvalidImage, $"{what}: {registry} answered without a Location for the upload");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        return new Uri(location + separator + "digest=" + Uri.EscapeDataString(digest.ToString()));
    }

    private static string Describe(Exception error)
    {
        var innermost = error;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return innermost switch
        {
            SocketException socket => socket.SocketErrorCode.ToString(),
            AuthenticationException tls => "TLS failed: " + tls.Message,
            _ => innermost.Message,
        };
    }

    private static SocketsHttpHandler CreateHandler(RegistryOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.RequestTimeout,
        };
        if (options.CaBundlePath is { Length: > 0 } bundle)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(bundle);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        return true;
                    }

                    // Only the chain may be the problem (the name must match): judge it against the bundle alone.
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return chain.Build(presented);
                },
            };
        }

        return handler;
    }
}
