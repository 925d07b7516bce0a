namespace SuperCloud.E2E.Tests;

/// <summary>The tests that share the <see cref="UserFacingLab"/>, one after another.</summary>
[CollectionDefinition(Name)]
public sealed class UserFacingLabs : ICollectionFixture<UserFacingLab>
{
    public const string Name = "user-facing lab";
}
