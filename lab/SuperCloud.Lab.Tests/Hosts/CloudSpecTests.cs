using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Tests.Hosts;

public sealed class CloudSpecTests
{
    [Fact]
    public void Provider_and_region_come_from_the_cloud_name()
    {
        var clouds = CloudSpec.ParseList("aws-us-east-1:2,gcp-europe-west1:1,azure-eastus:3,onprem:1,onprem-ithaca:2");

        clouds.Select(c => (c.Name, c.Provider, c.Region, c.Hosts)).Should().Equal(
            ("aws-us-east-1", "aws", "us-east-1", 2),
            ("gcp-europe-west1", "gcp", "europe-west1", 1),
            ("azure-eastus", "azure", "eastus", 3),
            ("onprem", "onprem", "onprem", 1),
            ("onprem-ithaca", "onprem", "ithaca", 2));
        clouds.Select(c => c.SellsSpot).Should().Equal(true, true, true, false, false);
    }

    [Theory]
    [InlineData("aws-us-east-1:x", "--clouds \"aws-us-east-1:x\": host count must be a positive integer")]
    [InlineData("aws-us-east-1:0", "--clouds \"aws-us-east-1:0\": host count must be a positive integer")]
    [InlineData("aws-us-east-1:-1", "--clouds \"aws-us-east-1:-1\": host count must be a positive integer")]
    [InlineData("aws-us-east-1", "--clouds \"aws-us-east-1\": expected NAME:HOSTS, e.g. aws-us-east-1:2")]
    [InlineData("ibm-dallas:1", "--clouds \"ibm-dallas:1\": cloud name \"ibm-dallas\" must start with a provider: aws, gcp, azure or onprem")]
    [InlineData("aws:1", "--clouds \"aws:1\": cloud name \"aws\" needs a region after the provider, e.g. aws-us-east-1")]
    [InlineData("AWS-us:1", "--clouds \"AWS-us:1\": cloud name \"AWS-us\" must be lowercase letters, digits and '-', at most 50 characters, starting with a provider (aws, gcp, azure, onprem)")]
    [InlineData("onprem:1,onprem:2", "--clouds \"onprem:2\": cloud onprem is given twice")]
    [InlineData("onprem:33", "--clouds \"onprem:33\": at most 32 hosts per cloud, got 33")]
    [InlineData("", "--clouds \"\": give at least one cloud as NAME:HOSTS, e.g. aws-us-east-1:2,onprem:1")]
    public void Bad_clouds_are_rejected_naming_the_flag_and_the_entry(string value, string message)
    {
        var parse = () => CloudSpec.ParseList(value);

        parse.Should().Throw<LabUsageException>().WithMessage(message);
    }
}
