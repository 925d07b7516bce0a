namespace SuperCloud.NativeShim;

/// <summary>What a <see cref="ShimPump"/> does with the bytes it moves.</summary>
public enum PumpMode
{
    /// <summary>Copy unchanged (splice where possible) until end of input.</summary>
    Raw = 0,

    /// <summary>Wrap the input into digest-checked frames and end with an end-of-stream frame.</summary>
    Encode = 1,

    /// <summary>Verify frames and forward their payload; stop after the end-of-stream frame.</summary>
    Decode = 2,
}
