namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>Builds the 409 kube-apiserver answers when an apply would change fields another manager owns.</summary>
internal static class ApplyConflicts
{
    /// <summary>The conflict error for the given managers and the fields of theirs the apply would change.</summary>
    public static StatusException Error(IReadOnlyList<(ManagedFieldsEntry Manager, FieldSet Fields)> conflicts)
    {
        var ordered = conflicts
            .OrderBy(c => c.Manager.Identifier, StringComparer.Ordinal)
            .Select(c => (c.Manager, Paths: c.Fields.Paths().Select(p => new FieldPath(p).ToString()).ToList()))
            .ToList();
        var causes = ordered
            .SelectMany(c => c.Paths.Select(p => new StatusCause("FieldManagerConflict", $"conflict with {c.Manager.Describe()}", p)))
            .ToList();
        string message;
        if (causes.Count == 1)
        {
            message = $"Apply failed with 1 conflict: {causes[0].Message}: {causes[0].Field}";
        }
        else
        {
            var lines = new List<string>();
            foreach (var (manager, paths) in ordered)
            {
                lines.Add($"conflicts with {manager.Describe()}:");
                lines.AddRange(paths.Select(p => $"- {p}"));
            }

            message = $"Apply failed with {causes.Count} conflicts: {string.Join("\n", lines)}";
        }

        return PatchErrors.WithoutDetails(new StatusException(409, "Conflict", message, causes));
    }
}
