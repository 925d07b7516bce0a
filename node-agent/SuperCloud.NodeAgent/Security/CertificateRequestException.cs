namespace SuperCloud.NodeAgent.Security;

/// <summary>The agent's certificate could not be obtained: the request was denied, not answered, or answered with an unusable certificate.</summary>
public sealed class CertificateRequestException : Exception
{
    /// <summary>Creates the exception with a message saying why.</summary>
    public CertificateRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CertificateRequestException()
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CertificateRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
