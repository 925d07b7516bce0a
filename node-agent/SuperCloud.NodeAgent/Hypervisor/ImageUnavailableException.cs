using SuperCloud.Images;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A VM's image could not be pulled into the host's cache; <see cref="Kind"/> says why.</summary>
public sealed class ImageUnavailableException : HypervisorException
{
    /// <summary>Creates the exception for <paramref name="vmId"/> from the registry's failure.</summary>
    public ImageUnavailableException(string vmId, RegistryException error)
        : base(vmId, "pull image for", error?.Message ?? "the image could not be pulled", error) => Kind = error?.Kind ?? RegistryErrorKind.Unreachable;

    /// <summary>Creates the exception.</summary>
    public ImageUnavailableException()
        : base(null, "pull image", "the image could not be pulled")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ImageUnavailableException(string message)
        : base(null, "pull image", message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ImageUnavailableException(string message, Exception innerException)
        : base(null, "pull image", message, innerException)
    {
    }

    /// <summary>Why the image is unavailable.</summary>
    public RegistryErrorKind Kind { get; }
}
