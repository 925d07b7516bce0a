namespace SuperCloud.E2E.Tests;

/// <summary>The tests that share one lab; they run one after another (the machine has two cores and guests run under TCG).</summary>
[CollectionDefinition(Name)]
public sealed class SharedLab : ICollectionFixture<LabFixture>
{
    public const string Name = "lab";
}
