namespace SuperCloud.Crds.Schema;

/// <summary>Regular expressions shared by the API types, in the dialect CRD schemas use (ECMA-262).</summary>
public static class Patterns
{
    /// <summary>A Go-style duration as in metav1.Duration: <c>30s</c>, <c>500ms</c>, <c>1h30m</c>.</summary>
    public const string Duration = @"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$";

    /// <summary>A non-negative decimal amount of money with at most six decimals, such as <c>0.0416</c>.</summary>
    public const string Price = @"^(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?$";

    /// <summary>A non-negative resource quantity (the Kubernetes quantity syntax without a sign).</summary>
    public const string NonNegativeQuantity = @"^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    /// <summary>A dotted-quad IPv4 address.</summary>
    public const string IPv4 = @"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$";

    /// <summary>An IPv4 CIDR with a prefix length from 8 to 30 (room for a gateway and hosts), such as <c>10.200.0.0/24</c>.</summary>
    public const string IPv4Cidr = @"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([89]|[12][0-9]|30)$";

    /// <summary>A unicast MAC address written as six colon-separated hex pairs.</summary>
    public const string Mac = @"^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$";

    /// <summary>A DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters.</summary>
    public const string DnsLabel = @"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

    /// <summary>A DNS-1123 subdomain, the syntax of most object names.</summary>
    public const string DnsSubdomain = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>A cloud region or zone name such as <c>us-east-1</c>, <c>eu-west-1a</c> or <c>lab</c>.</summary>
    public const string Region = @"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

    /// <summary>A host name or IP address followed by a port, such as <c>10.0.0.5:7443</c>.</summary>
    public const string HostPort = @"^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}$";

    /// <summary>
    /// An OCI image reference, <c>[registry[:port]/]repository[:tag][@sha256:&lt;64 hex&gt;]</c>, as Docker and the OCI
    /// distribution spec write it; written without backslashes so that it reads the same in CEL (RE2) and JSON schema.
    /// </summary>
    public const string ImageReference =
        "^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?([.][a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]{1,5})?/)?" +
        "[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";

    /// <summary>The CEL rule that an image field matches <see cref="ImageReference"/>.</summary>
    public const string ImageReferenceRule = "self.matches('" + ImageReference + "')";

    /// <summary>The error of a field that is not an image reference.</summary>
    public const string ImageReferenceMessage =
        "must be an image reference such as registry.example.com/team/vm:v1 or team/vm@sha256:<64 hex digits>; host paths are not accepted";

    /// <summary>A decimal latitude between -90 and 90 with up to six decimals.</summary>
    public const string Latitude = @"^-?(90(\.0{1,6})?|[1-8]?[0-9](\.[0-9]{1,6})?)$";

    /// <summary>A decimal longitude between -180 and 180 with up to six decimals.</summary>
    public const string Longitude = @"^-?(180(\.0{1,6})?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]{1,6})?)$";
}
