namespace SuperCloud.Operator.Tests;

public sealed class OperatorOptionsTests
{
    [Fact]
    public void Agent_client_is_off_when_no_file_is_set()
    {
        var options = new OperatorOptions();

        options.Validate();

        options.AgentClient.Configured.Should().BeFalse();
    }

    [Fact]
    public void Agent_client_with_only_some_files_names_the_missing_setting()
    {
        var ca = Path.GetTempFileName();
        try
        {
            var options = new OperatorOptions { AgentClient = { CaPath = ca } };

            var act = options.Validate;

            act.Should().Throw<ArgumentException>().WithMessage("Operator:AgentClient:CertificatePath is required*");
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Agent_client_file_that_does_not_exist_is_named()
    {
        var options = new OperatorOptions
        {
            AgentClient = { CaPath = "/nonexistent/ca.crt", CertificatePath = "/nonexistent/tls.crt", KeyPath = "/nonexistent/tls.key" },
        };

        var act = options.Validate;

        act.Should().Throw<ArgumentException>().WithMessage("Operator:AgentClient:CaPath '/nonexistent/ca.crt' does not exist*");
    }
}
