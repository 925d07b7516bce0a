using System.Runtime.InteropServices;
using System.Text;

namespace SuperCloud.NativeShim;

/// <summary>Mirror of <c>sc_error</c>: the negative errno and a NUL-terminated message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeError
{
    /// <summary>Size of the message buffer (<c>SC_ERROR_MESSAGE_MAX</c>).</summary>
    internal const int MessageMax = 256;

    /// <summary>Negative errno, or 0.</summary>
    public int Code;

    /// <summary>UTF-8 message bytes.</summary>
    public fixed byte Message[MessageMax];

    /// <summary>Decodes the message.</summary>
    public readonly string Text
    {
        get
        {
            fixed (byte* p = Message)
            {
                var span = new ReadOnlySpan<byte>(p, MessageMax);
                var end = span.IndexOf((byte)0);
                return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
            }
        }
    }
}
