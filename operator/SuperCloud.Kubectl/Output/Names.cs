using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl.Output;

/// <summary>The API's spelling of enum values (aws, onprem) rather than C#'s.</summary>
internal static class Names
{
    public static string Cloud(CloudProvider cloud) => cloud switch
    {
        CloudProvider.Aws => "aws",
        CloudProvider.Gcp => "gcp",
        CloudProvider.Azure => "azure",
        CloudProvider.OnPrem => "onprem",
        _ => cloud.ToString().ToLowerInvariant(),
    };

    public static CloudProvider? ParseCloud(string text) => text.ToLowerInvariant() switch
    {
        "aws" => CloudProvider.Aws,
        "gcp" => CloudProvider.Gcp,
        "azure" => CloudProvider.Azure,
        "onprem" => CloudProvider.OnPrem,
        _ => null,
    };
}
