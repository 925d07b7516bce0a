using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Spot;

/// <summary>
/// Binds a TCP socket inside a named network namespace (<c>/run/netns/NAME</c>) from this process: a socket belongs to
/// the namespace it was created in, so a thread of its own enters the namespace, creates and binds the socket, and
/// returns; the process itself never leaves its namespace.
/// </summary>
internal static partial class NetnsSocket
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A TCP socket bound to <paramref name="endpoint"/> in <paramref name="netns"/>, not yet listening.</summary>
    public static Socket Bind(string netns, IPEndPoint endpoint)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle(Path.Combine("/run/netns", netns));
                Enter(target, netns);
                try
                {
                    var created = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        created.Bind(endpoint);
                        socket = created;
                    }
                    catch
                    {
                        created.Dispose();
                        throw;
                    }
                }
                finally
                {
                    Enter(original, "the lab's own");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException or LabCommandException)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "netns-bind",
        };
        thread.Start();
        thread.Join();
        return socket ?? throw new LabCommandException($"cannot listen on {endpoint} in network namespace {netns}: {failure?.Message}");
    }

    private static void Enter(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string name)
    {
        if (SetNs(handle, CloneNewNet) != 0)
        {
            throw new LabCommandException($"setns into {name} network namespace failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(Microsoft.Win32.SafeHandles.SafeFileHandle fd, int nstype);
}
