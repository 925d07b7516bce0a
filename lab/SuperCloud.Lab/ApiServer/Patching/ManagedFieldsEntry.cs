using System.Text;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>One decoded <c>metadata.managedFields</c> entry: who owns which fields, through which operation.</summary>
internal sealed class ManagedFieldsEntry(string manager, string operation, string apiVersion, string? time, string? subresource, FieldSet fields)
{
    /// <summary>Operation of server-side apply entries.</summary>
    public const string Apply = "Apply";

    /// <summary>Operation of create/update/patch entries.</summary>
    public const string Update = "Update";

    /// <summary>The field manager name.</summary>
    public string Manager { get; } = manager;

    /// <summary><see cref="Apply"/> or <see cref="Update"/>.</summary>
    public string Operation { get; } = operation;

    /// <summary>The API version the fields were set at.</summary>
    public string ApiVersion { get; set; } = apiVersion;

    /// <summary>The RFC 3339 time of the last change by this manager, as stored.</summary>
    public string? Time { get; set; } = time;

    /// <summary>The subresource (<c>status</c>) or null for the main resource.</summary>
    public string? Subresource { get; } = string.IsNullOrEmpty(subresource) ? null : subresource;

    /// <summary>The owned fields.</summary>
    public FieldSet Fields { get; set; } = fields;

    /// <summary>
    /// The identity structured-merge-diff keys managers by: the JSON of manager, operation, apiVersion (Update only)
    /// and subresource, in the field order of metav1.ManagedFieldsEntry.
    /// </summary>
    public string Identifier => BuildIdentifier(Manager, Operation, ApiVersion, Subresource);

    /// <summary>Builds the identifier of a manager.</summary>
    public static string BuildIdentifier(string manager, string operation, string apiVersion, string? subresource)
    {
        var sb = new StringBuilder("{");
        var first = true;
        void Field(string name, string value)
        {
            if (value.Length == 0)
            {
                return;
            }

            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            JsonValues.WriteGoString(sb, name);
            sb.Append(':');
            JsonValues.WriteGoString(sb, value);
        }

        Field("manager", manager);
        Field("operation", operation);
        Field("apiVersion", operation == Apply ? "" : apiVersion);
        Field("subresource", subresource ?? "");
        return sb.Append('}').ToString();
    }

    /// <summary>The manager as kube prints it in conflicts: <c>"name"</c>, plus subresource and <c>using apiVersion</c> for updaters.</summary>
    public string Describe()
    {
        var text = JsonValues.GoQuote(Manager);
        if (Subresource is not null)
        {
            text += $" with subresource {JsonValues.GoQuote(Subresource)}";
        }

        return Operation == Update ? $"{text} using {ApiVersion}" : text;
    }
}
