namespace SuperCloud.Lab.Spot;

/// <summary>An EC2 error: its code (<c>InvalidInstanceID.NotFound</c>), message and HTTP status.</summary>
public sealed class Ec2ApiException(string code, string message, int status = 400) : Exception(message)
{
    /// <summary>EC2's error code.</summary>
    public string Code { get; } = code;

    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;
}
