namespace SuperCloud.Lab.ApiServer;

/// <summary>The requested watch resourceVersion is older than the retained history (delivered as a 410 ERROR event).</summary>
internal sealed class WatchExpiredException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})");
