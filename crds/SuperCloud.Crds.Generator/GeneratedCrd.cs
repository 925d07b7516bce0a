namespace SuperCloud.Crds.Generator;

/// <summary>One generated CustomResourceDefinition: the file name it is written to and its YAML text.</summary>
/// <param name="FileName">The file name, such as <c>supercloud.dev_superpods.yaml</c>.</param>
/// <param name="Yaml">The complete file content.</param>
internal sealed record GeneratedCrd(string FileName, string Yaml);
