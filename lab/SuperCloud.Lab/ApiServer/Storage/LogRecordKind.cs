namespace SuperCloud.Lab.ApiServer.Storage;

/// <summary>What a <see cref="LogRecord"/> holds.</summary>
internal enum LogRecordKind : byte
{
    /// <summary>The first record of a log file: the resourceVersion the checkpoint was taken at.</summary>
    Checkpoint = (byte)'C',

    /// <summary>An object stored at the checkpoint.</summary>
    Object = (byte)'O',

    /// <summary>A watch event of the retained history at the checkpoint (already reflected in its objects).</summary>
    History = (byte)'H',

    /// <summary>A change committed after the checkpoint.</summary>
    Change = (byte)'E',
}
