namespace SuperCloud.NativeShim;

/// <summary>Life-cycle state of a <see cref="ShimPump"/>.</summary>
public enum PumpState
{
    /// <summary>Created, not yet running.</summary>
    Created = 0,

    /// <summary>Moving bytes.</summary>
    Running = 1,

    /// <summary>Finished: end of input, or the end-of-stream frame verified.</summary>
    Succeeded = 2,

    /// <summary>Stopped by an error.</summary>
    Failed = 3,

    /// <summary>Stopped by cancellation.</summary>
    Cancelled = 4,
}
