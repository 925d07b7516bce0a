namespace SuperCloud.Images.Tests;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("supercloud/test-guest", null, "supercloud/test-guest", null, false)]
    [InlineData("supercloud/test-guest:latest", null, "supercloud/test-guest", "latest", false)]
    [InlineData("10.1.2.3:5000/supercloud/test-guest:v1", "10.1.2.3:5000", "supercloud/test-guest", "v1", false)]
    [InlineData("localhost/a", "localhost", "a", null, false)]
    [InlineData("registry.example.com/team/vm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "registry.example.com", "team/vm", null, true)]
    [InlineData("ghcr.io/o/r:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io", "o/r", "tag", true)]
    public void Parses_registry_repository_tag_and_digest(string text, string? registry, string repository, string? tag, bool hasDigest)
    {
        var reference = ImageReference.Parse(text);
        reference.Registry.Should().Be(registry);
        reference.Repository.Should().Be(repository);
        reference.Tag.Should().Be(tag);
        (reference.Digest is not null).Should().Be(hasDigest);
        reference.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("/var/lib/supercloud/images/vmlinuz")]
    [InlineData("file:///etc/shadow")]
    [InlineData("../../etc/passwd")]
    [InlineData("Upper/Case")]
    [InlineData("repo:bad tag")]
    [InlineData("repo@sha256:short")]
    [InlineData("")]
    public void Refuses_host_paths_and_malformed_references(string text)
    {
        ImageReference.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void Unqualified_reference_takes_the_default_registry_and_a_digest_replaces_the_tag()
    {
        var digest = Digest.Of([1]);
        var reference = ImageReference.Parse("supercloud/test-guest:latest").Qualify("10.0.0.1:5000");
        reference.Name.Should().Be("10.0.0.1:5000/supercloud/test-guest");
        reference.WithDigest(digest).ToString().Should().Be($"10.0.0.1:5000/supercloud/test-guest@{digest}");
        ImageReference.Parse("a.io/x:1").Qualify("b.io").Registry.Should().Be("a.io");
    }

    [Fact]
    public void Image_source_must_be_qualified_and_pinned()
    {
        var digest = Digest.Of([2]);
        ImageSource.Parse($"r.io:5000/a/b@{digest}").Should().Be(new ImageSource("r.io:5000/a/b", digest));
        var unpinned = () => ImageSource.Parse("r.io/a/b:v1");
        unpinned.Should().Throw<FormatException>();
        var unqualified = () => ImageSource.Parse($"a/b@{digest}");
        unqualified.Should().Throw<FormatException>();
    }
}
