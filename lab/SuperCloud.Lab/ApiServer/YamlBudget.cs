using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// Bounds converting a YAML document to JSON. YAML aliases share one parsed node, so a few hundred bytes of nested
/// aliases ("billion laughs") expand to billions of JSON nodes; like the go-yaml decoder kube-apiserver uses, the
/// conversion fails with "excessive aliasing" once the nodes reached through aliases outweigh the document, and it
/// fails on nesting deeper than JSON bodies may be.
/// </summary>
internal sealed class YamlBudget
{
    private readonly HashSet<YamlNode> _seen = new(ReferenceEqualityComparer.Instance);
    private long _decoded;
    private long _aliased;

    /// <summary>
    /// Checks the nesting of a YAML text from its parser events, before a <see cref="YamlStream"/> builds its node tree
    /// recursively (a few megabytes of <c>[</c> would otherwise overflow the stack and end the process).
    /// </summary>
    /// <exception cref="FormatException">The text nests deeper than <see cref="Json.MaxRequestDepth"/>.</exception>
    public static void CheckNesting(string text)
    {
        using var reader = new StringReader(text);
        var parser = new Parser(reader);
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (++depth > Json.MaxRequestDepth)
                    {
                        throw new FormatException($"yaml: exceeded max depth of {Json.MaxRequestDepth}");
                    }

                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    /// <summary>Counts one node about to be converted at <paramref name="depth"/>; <paramref name="viaAlias"/> when it is under a repeated node.</summary>
    /// <exception cref="FormatException">The document nests too deeply or aliases excessively.</exception>
    public bool Enter(YamlNode node, int depth, bool viaAlias)
    {
        if (depth > Json.MaxRequestDepth)
        {
            throw new FormatException($"yaml: exceeded max depth of {Json.MaxRequestDepth}");
        }

        var repeated = viaAlias || !_seen.Add(node);
        _decoded++;
        if (repeated)
        {
            _aliased++;
        }

        if (_aliased > 100 && _decoded > 1000 && (double)_aliased / _decoded > AllowedAliasRatio(_decoded))
        {
            throw new FormatException("yaml: document contains excessive aliasing");
        }

        return repeated;
    }

    // go-yaml's allowance: up to 99% of small documents may come from aliases, falling to 10% from 4M decoded nodes.
    private static double AllowedAliasRatio(long decoded) => decoded switch
    {
        <= 400_000 => 0.99,
        >= 4_000_000 => 0.10,
        _ => 0.99 - (0.89 * (decoded - 400_000) / 3_600_000.0),
    };
}
