using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Prices per unit of capacity and hour, as decimal strings.</summary>
public sealed class PriceRates
{
    /// <summary>Price of one vCPU for one hour (<c>0.0208</c>).</summary>
    [Pattern(Patterns.Price)]
    public required string PerVcpuHour { get; set; }

    /// <summary>Price of one GiB of memory for one hour (<c>0.0026</c>).</summary>
    [Pattern(Patterns.Price)]
    public required string PerGiBHour { get; set; }
}
