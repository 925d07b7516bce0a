using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>The result of a write: the object to return, warnings for the <c>Warning</c> header, and what happened.</summary>
/// <param name="Object">The object as stored (or as it would be stored, for dry runs); a private copy.</param>
/// <param name="Warnings">Warning texts (unknown fields under <c>fieldValidation=Warn</c>).</param>
/// <param name="Created">True when the write created the object (201).</param>
/// <param name="Removed">True when the object is gone after the write.</param>
internal sealed record WriteOutcome(JsonObject Object, IReadOnlyList<string> Warnings, bool Created = false, bool Removed = false);
