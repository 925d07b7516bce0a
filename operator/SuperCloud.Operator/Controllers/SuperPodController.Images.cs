using k8s.Models;
using SuperCloud.Agent.V1;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Images;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Controllers;

/// <summary>
/// The SuperPod's images: resolved to digests once (status.images, so every later placement and migration uses the same
/// bytes), then pulled on the node before the VM is created, with progress and failures in the ImagesReady condition.
/// </summary>
public sealed partial class SuperPodController
{
    /// <summary>The name of the boot image in status.images.</summary>
    public const string BootImageName = "boot";

    /// <summary>ImagesReady reason (and Normal event) while the node pulls the images.</summary>
    public const string PullingReason = "Pulling";

    /// <summary>ImagesReady reason once the node has every image.</summary>
    public const string PulledReason = "Pulled";

    /// <summary>ImagesReady reason once the tags are resolved, before a node has the images; also the Normal event.</summary>
    public const string ResolvedReason = "Resolved";

    /// <summary>ImagesReady and Ready reason: no registry has the image (or the tag).</summary>
    public const string ImageNotFoundReason = "ImageNotFound";

    /// <summary>ImagesReady and Ready reason: content did not match its digest; nothing of it is used.</summary>
    public const string DigestMismatchReason = "DigestMismatch";

    /// <summary>ImagesReady and Ready reason: the registry could not be reached.</summary>
    public const string RegistryUnreachableReason = "RegistryUnreachable";

    /// <summary>ImagesReady and Ready reason: the registry refused access.</summary>
    public const string RegistryUnauthorizedReason = "RegistryUnauthorized";

    /// <summary>ImagesReady and Ready reason: not a usable VM image (or not for the way the SuperPod uses it).</summary>
    public const string InvalidImageReason = "InvalidImage";

    /// <summary>The images <paramref name="pod"/> names: the boot image, then each disk's, by status.images name.</summary>
    public static IReadOnlyList<(string Name, string Image)> WantedImages(SuperPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var wanted = new List<(string, string)> { (BootImageName, pod.Spec.Boot.Image) };
        wanted.AddRange((pod.Spec.Disks ?? []).Where(d => !string.IsNullOrEmpty(d.Image)).Select(d => (d.Name, d.Image!)));
        return wanted;
    }

    /// <summary>The resolved images by name when status.images covers every image of the spec, else null.</summary>
    public static IReadOnlyDictionary<string, ImageSource>? ResolvedImages(SuperPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var resolved = new Dictionary<string, ImageSource>(StringComparer.Ordinal);
        foreach (var (name, image) in WantedImages(pod))
        {
            if (pod.Status?.Images?.FirstOrDefault(i => i.Name == name) is not { } entry || entry.Image != image)
            {
                return null;
            }

            try
            {
                resolved[name] = ImageSource.Parse(entry.Resolved);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return resolved;
    }

    private static string ReasonOf(RegistryErrorKind kind) => kind switch
    {
        RegistryErrorKind.NotFound => ImageNotFoundReason,
        RegistryErrorKind.DigestMismatch => DigestMismatchReason,
        RegistryErrorKind.Unreachable => RegistryUnreachableReason,
        RegistryErrorKind.Unauthorized => RegistryUnauthorizedReason,
        _ => InvalidImageReason,
    };

    private static string ReasonOf(ImagePullFailure failure) => failure switch
    {
        ImagePullFailure.NotFound => ImageNotFoundReason,
        ImagePullFailure.DigestMismatch => DigestMismatchReason,
        ImagePullFailure.RegistryUnreachable => RegistryUnreachableReason,
        ImagePullFailure.Unauthorized => RegistryUnauthorizedReason,
        _ => InvalidImageReason,
    };

    // Resolves what status.images lacks. Returns the SuperPod as written, or a result to return while it cannot proceed.
    private async Task<(SuperPod Pod, ReconcileResult? Wait)> ResolveImagesAsync(ObjectKey key, SuperPod pod, CancellationToken cancellationToken)
    {
        if (ResolvedImages(pod) is not null)
        {
            return (pod, null);
        }

        var entries = new List<ImageStatus>();
        var fresh = new List<(string Image, ImageSource Resolved)>();
        foreach (var (name, image) in WantedImages(pod))
        {
            if (pod.Status?.Images?.FirstOrDefault(i => i.Name == name && i.Image == image) is { } known)
            {
                entries.Add(known);
                continue;
            }

            try
            {
                var resolved = await images.ResolveAsync(image, cancellationToken);
                CheckUse(pod, name, image, resolved.Image);
                entries.Add(new ImageStatus { Name = name, Image = image, Resolved = resolved.Source.ToString() });
                fresh.Add((image, resolved.Source));
            }
            catch (RegistryException e)
            {
                var field = name == BootImageName ? "spec.boot.image" : $"spec.disks[{name}].image";
                var message = $"{field} {image}: {e.Message}";
                logger.LogWarning("SuperPod {Key}: cannot resolve {Image}: {Message}", key, image, e.Message);
                await events.WarningAsync(pod, ReasonOf(e.Kind), message, cancellationToken);
                await SetImagesAsync(key, null, ImagesReady("False", ReasonOf(e.Kind), message), Ready("False", ReasonOf(e.Kind), message), cancellationToken);

                // Through the rate limiter: the image may be pushed, or the registry come back, meanwhile.
                return (pod, new ReconcileResult(Requeue: true));
            }
        }

        var summary = string.Join("; ", fresh.Select(f => $"{f.Image} is {f.Resolved}"));
        foreach (var (image, resolvedSource) in fresh)
        {
            await events.NormalAsync(pod, ResolvedReason, $"Resolved image {image} to {resolvedSource}", cancellationToken);
        }

        var written = await SetImagesAsync(key, entries, ImagesReady("False", ResolvedReason, $"resolved ({summary}); not yet on a node"), null, cancellationToken);
        return (written ?? pod, null);
    }

    // A kernel command line only means something to a kernel image; a disk must come from an image with a disk.
    private static void CheckUse(SuperPod pod, string name, string image, VmImage resolved)
    {
        if (name == BootImageName && resolved.Kernel is null && !string.IsNullOrEmpty(pod.Spec.Boot.Cmdline))
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"is a disk image (it boots from its disk): spec.boot.cmdline applies to kernel images only");
        }

        if (name != BootImageName && resolved.Disk is null)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"has no disk layer to base disk {name} on");
        }
    }

    // Asks the node to pull every image (it answers at once with progress). Null when all are there.
    private async Task<ReconcileResult?> PullImagesAsync(
        ObjectKey key, SuperPod pod, NodeAgent.NodeAgentClient agent, string nodeName, IReadOnlyDictionary<string, ImageSource> resolved, CancellationToken cancellationToken)
    {
        long done = 0, total = 0;
        var pulling = new List<string>();
        foreach (var source in resolved.Values.Distinct())
        {
            var pull = await agent.PullImageAsync(
                new PullImageRequest { Image = new Agent.V1.ImageReference { Repository = source.Name, Digest = source.Digest.ToString() } },
                deadline: agents.Deadline(), cancellationToken: cancellationToken);
            done += pull.BytesDone;
            total += pull.BytesTotal;
            switch (pull.State)
            {
                case ImagePullState.Failed:
                    var reason = ReasonOf(pull.Failure);
                    var message = $"node {nodeName} cannot pull {source}: {pull.Message}";
                    await events.WarningAsync(pod, reason, message, cancellationToken);
                    await SetImagesAsync(key, null, ImagesReady("False", reason, message), Ready("False", reason, message), cancellationToken);
                    return new ReconcileResult(Requeue: true);
                case ImagePullState.Pulling:
                    pulling.Add(string.IsNullOrEmpty(pull.Source) ? source.ToString() : $"{source} from {pull.Source}");
                    break;
            }
        }

        var current = Conditions.Find(pod.Status?.Conditions, ConditionTypes.ImagesReady);
        if (pulling.Count > 0)
        {
            if (current?.Reason != PullingReason)
            {
                await events.NormalAsync(pod, PullingReason, $"Pulling {string.Join(", ", pulling)} on node {nodeName}", cancellationToken);
            }

            var message = $"node {nodeName} is pulling {string.Join(", ", pulling)}: {Mib(done)} of {Mib(total)} MiB";
            await SetImagesAsync(key, null, ImagesReady("False", PullingReason, message), Ready("False", PullingReason, message), cancellationToken);
            return ReconcileResult.After(options.PullingRequeue);
        }

        if (current?.Status != "True")
        {
            var message = $"node {nodeName} has {string.Join(", ", resolved.Values.Distinct())} ({Mib(total)} MiB, verified)";
            await events.NormalAsync(pod, PulledReason, message, cancellationToken);
            await SetImagesAsync(key, null, ImagesReady("True", PulledReason, message), null, cancellationToken);
        }

        return null;
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private Task<SuperPod?> SetImagesAsync(ObjectKey key, IList<ImageStatus>? resolved, V1Condition imagesReady, V1Condition? ready, CancellationToken cancellationToken) =>
        status.UpdateAsync(
            key,
            p =>
            {
                var s = p.Status ??= new SuperPodStatus();
                var changed = false;
                if (resolved is not null)
                {
                    s.Images = resolved;
                    changed = true;
                }

                s.Conditions ??= [];
                imagesReady.ObservedGeneration = p.Metadata.Generation;
                changed |= Conditions.Set(s.Conditions, imagesReady, timeProvider);
                if (ready is not null)
                {
                    ready.ObservedGeneration = p.Metadata.Generation;
                    changed |= Conditions.Set(s.Conditions, ready, timeProvider);
                }

                return changed;
            },
            cancellationToken);

    private static V1Condition ImagesReady(string status, string reason, string message) =>
        new() { Type = ConditionTypes.ImagesReady, Status = status, Reason = reason, Message = message };
}
