using SuperCloud.Crds.Generator;
using SuperCloud.Crds.V1Alpha1;

// Usage: SuperCloud.Crds.Generator --out <directory>
if (args is not ["--out", var outDir])
{
    await Console.Error.WriteLineAsync("usage: SuperCloud.Crds.Generator --out <directory>");
    return 2;
}

Directory.CreateDirectory(outDir);
var crds = CrdGenerator.Generate();
foreach (var crd in crds)
{
    await File.WriteAllTextAsync(Path.Combine(outDir, crd.FileName), crd.Yaml);
    Console.WriteLine($"wrote {Path.Combine(outDir, crd.FileName)}");
}

// Files of kinds that no longer exist would otherwise linger and still be installed.
var expected = crds.Select(c => c.FileName).ToHashSet(StringComparer.Ordinal);
foreach (var stale in Directory.EnumerateFiles(outDir, $"{SuperCloudApi.Group}_*.yaml").Where(f => !expected.Contains(Path.GetFileName(f))))
{
    File.Delete(stale);
    Console.WriteLine($"removed {stale}");
}

return 0;
