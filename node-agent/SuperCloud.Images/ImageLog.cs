namespace SuperCloud.Images;

/// <summary>The image cache's log events.</summary>
internal static partial class ImageLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled image {Image} from {Registry}")]
    public static partial void Pulled(this ILogger logger, ImageSource image, string registry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pulling image {Image} from {Registry} failed ({Kind}): {Message}")]
    public static partial void PullFailed(this ILogger logger, ImageSource image, string registry, RegistryErrorKind kind, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed unused image {Image} from the cache")]
    public static partial void ImageRemoved(this ILogger logger, Digest image);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image cache garbage collection freed {Bytes} bytes")]
    public static partial void GarbageCollected(this ILogger logger, long bytes);
}
