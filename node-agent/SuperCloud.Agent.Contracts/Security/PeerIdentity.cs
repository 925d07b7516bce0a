using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Agent.Contracts.Security;

/// <summary>
/// Who a SuperCloud certificate names, carried as a URI subject alternative name: <c>supercloud://operator</c> or
/// <c>supercloud://node/NAME</c>. Typed rather than a bare common name, so that no node — whatever it is called — can
/// pass for the operator, and a certificate made for another purpose carries no SuperCloud identity at all.
/// </summary>
/// <param name="Kind">Operator or node.</param>
/// <param name="Name">The node's name; "operator" for the operator.</param>
public sealed record PeerIdentity(PeerKind Kind, string Name)
{
    /// <summary>The URI scheme of SuperCloud identities.</summary>
    public const string Scheme = "supercloud";

    /// <summary>The operator.</summary>
    public static PeerIdentity Operator { get; } = new(PeerKind.Operator, "operator");

    /// <summary>The node agent of node <paramref name="name"/>.</summary>
    public static PeerIdentity Node(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new PeerIdentity(PeerKind.Node, name);
    }

    /// <summary>The subject alternative name that carries this identity.</summary>
    public Uri ToUri() => Kind == PeerKind.Operator ? new Uri($"{Scheme}://operator") : new Uri($"{Scheme}://node/{Uri.EscapeDataString(Name)}");

    /// <summary>The identity <paramref name="certificate"/> carries, or null when it carries none (or several).</summary>
    public static PeerIdentity? FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var found = new List<PeerIdentity>();
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            foreach (var text in UriNames(extension))
            {
                if (Parse(text) is { } identity)
                {
                    found.Add(identity);
                }
            }
        }

        return found.Count == 1 ? found[0] : null;
    }

    /// <summary>Parses <c>supercloud://operator</c> or <c>supercloud://node/NAME</c>; null for anything else.</summary>
    public static PeerIdentity? Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Scheme)
        {
            return null;
        }

        var path = uri.AbsolutePath.Trim('/');
        return uri.Host switch
        {
            "operator" when path.Length == 0 => Operator,
            "node" when path.Length > 0 && !path.Contains('/', StringComparison.Ordinal) => Node(Uri.UnescapeDataString(path)),
            _ => null,
        };
    }

    /// <summary><c>operator</c> or <c>node/NAME</c>.</summary>
    public override string ToString() => Kind == PeerKind.Operator ? "operator" : "node/" + Name;

    // .NET exposes DNS names and IP addresses of the extension, not URIs: read the GeneralNames' uniformResourceIdentifier ([6]) entries.
    private static IEnumerable<string> UriNames(X509SubjectAlternativeNameExtension extension)
    {
        var reader = new System.Formats.Asn1.AsnReader(extension.RawData, System.Formats.Asn1.AsnEncodingRules.DER);
        var names = reader.ReadSequence();
        var uriTag = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6);
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(uriTag))
            {
                yield return names.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, uriTag);
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
    }
}
