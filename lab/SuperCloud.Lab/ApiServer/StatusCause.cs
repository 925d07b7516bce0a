namespace SuperCloud.Lab.ApiServer;

/// <summary>One cause inside a <c>Status.details.causes</c> entry, as kube-apiserver reports it.</summary>
/// <param name="Reason">Machine-readable reason, e.g. <c>FieldValueInvalid</c> or <c>FieldManagerConflict</c>.</param>
/// <param name="Message">Human-readable message.</param>
/// <param name="Field">The field path, e.g. <c>spec.resources.memory</c> or <c>.spec.replicas</c>.</param>
public sealed record StatusCause(string Reason, string Message, string Field);
