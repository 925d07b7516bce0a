using System.Text.Json;

namespace SuperCloud.NodeAgent.Qmp;

/// <summary>An asynchronous event emitted by QEMU on a QMP connection (STOP, RESUME, SHUTDOWN, ...).</summary>
/// <param name="Name">The event name as QEMU spells it, e.g. <c>STOP</c>.</param>
/// <param name="Data">The event's <c>data</c> member, or an undefined element when it has none.</param>
/// <param name="Timestamp">When QEMU emitted the event.</param>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp);
