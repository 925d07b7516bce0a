using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Tests.Hosts;

/// <summary>The lab's operations on a recorded lab that need no network: their usage errors.</summary>
public sealed class LabControlTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "lab-control-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData(false, "--isolate \"onprem-9\": no such host in this lab (hosts: aws-us-east-1-1, aws-us-east-1-2, onprem-1)")]
    [InlineData(true, "--rejoin \"onprem-9\": no such host in this lab (hosts: aws-us-east-1-1, aws-us-east-1-2, onprem-1)")]
    public async Task Isolating_or_rejoining_a_host_the_lab_does_not_have_names_it_and_the_hosts_and_changes_nothing(bool rejoin, string message)
    {
        Directory.CreateDirectory(_dataDir);
        var store = new LabStateStore(_dataDir, TimeProvider.System);
        await store.UpdateAsync(_ => { }, CancellationToken.None, new LabState { DataDir = _dataDir, Id = "abc123", Clouds = "aws-us-east-1:2,onprem:1", Subnet = "10.123.0.0/16" });
        var before = await File.ReadAllTextAsync(store.Path);

        var act = () => new LabControl(_dataDir, TimeProvider.System, NullLogger.Instance).IsolateAsync("onprem-9", rejoin, CancellationToken.None);

        (await act.Should().ThrowAsync<LabUsageException>()).Which.Message.Should().Be(message);
        (await File.ReadAllTextAsync(store.Path)).Should().Be(before);
    }

    [Fact]
    public async Task Isolating_a_host_of_a_directory_without_a_lab_says_so()
    {
        var act = () => new LabControl(_dataDir, TimeProvider.System, NullLogger.Instance).IsolateAsync("onprem-1", rejoin: false, CancellationToken.None);

        (await act.Should().ThrowAsync<LabCommandException>()).Which.Message.Should().Contain($"no lab in {_dataDir}");
    }
}
