namespace SuperCloud.E2E.Tests;

/// <summary>
/// The lab of the tests of what users look at (cost, CloudEvents, the dashboard): two clouds, aws-us-east-1 (its second
/// host spot) and onprem, with the operator publishing CloudEvents to a sink in this test process.
/// </summary>
public sealed class UserFacingLab : IAsyncLifetime
{
    public const string Clouds = "aws-us-east-1:2,onprem:1";

    internal CloudEventSinkServer Sink { get; } = CloudEventSinkServer.Start();

    internal LabFixture Fixture { get; private set; } = null!;

    internal LabRun Lab => Fixture.Lab;

    public string? SkipReason => Fixture.SkipReason;

    public async Task InitializeAsync()
    {
        Fixture = new LabFixture(Clouds, new Dictionary<string, string>
        {
            ["SUPERCLOUD_Operator__CloudEvents__Sinks__0"] = Sink.Address.ToString(),
            ["SUPERCLOUD_Operator__CloudEvents__InitialBackoff"] = "00:00:00.200",
            ["SUPERCLOUD_Operator__CloudEvents__RequestTimeout"] = "00:00:02",
        });
        await Fixture.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Fixture.DisposeAsync();
        await Sink.DisposeAsync();
    }

    /// <summary>The operator's /metrics text.</summary>
    internal async Task<string> MetricsAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri(new Uri(Lab.State()["OperatorListenAddress"]!.GetValue<string>()), "/metrics"));
    }
}
