namespace SuperCloud.NodeAgent.Images;

/// <summary>The phases of a pull.</summary>
public enum ImagePullPhase
{
    /// <summary>Blobs are being downloaded.</summary>
    Pulling,

    /// <summary>Every blob is in the cache, verified.</summary>
    Ready,

    /// <summary>No source delivered the image.</summary>
    Failed,
}
