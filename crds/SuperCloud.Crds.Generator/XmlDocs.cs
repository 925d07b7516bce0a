using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SuperCloud.Crds.Generator;

/// <summary>The XML documentation the compiler wrote beside an assembly, read so that one doc comment serves C# users and <c>kubectl explain</c>.</summary>
internal sealed partial class XmlDocs
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>Loads the documentation file of an assembly (<c>Name.xml</c> next to <c>Name.dll</c>).</summary>
    public static XmlDocs For(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"documentation file {path} not found; build {assembly.GetName().Name} with GenerateDocumentationFile", path);
        }

        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary");
            if (name is not null && summary is not null)
            {
                summaries[name] = Flatten(summary);
            }
        }

        return new XmlDocs(summaries);
    }

    /// <summary>The summary of a type.</summary>
    public string? Of(Type type) => _summaries.GetValueOrDefault("T:" + type.FullName);

    /// <summary>The summary of a property.</summary>
    public string? Of(PropertyInfo property) =>
        _summaries.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    private static string Flatten(XElement element)
    {
        var text = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            text.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "see" or "seealso" } e => SeeText(e),
                XElement { Name.LocalName: "paramref" or "typeparamref" } e => e.Attribute("name")?.Value,
                XElement { Name.LocalName: "para" or "br" } e => " " + Flatten(e) + " ",
                XElement e => Flatten(e),
                _ => null,
            });
        }

        return Whitespace().Replace(text.ToString(), " ").Trim();
    }

    private static string? SeeText(XElement see)
    {
        if (!string.IsNullOrEmpty(see.Value))
        {
            return see.Value;
        }

        var cref = see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value;
        return cref?[(cref.LastIndexOf('.') + 1)..];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
