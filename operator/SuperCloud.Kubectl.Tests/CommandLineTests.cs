
namespace SuperCloud.Kubectl.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Migrate_takes_its_name_and_flags_in_any_order()
    {
        var invocation = CommandLine.Parse(["migrate", "--to", "onprem", "web-1", "-n", "shop", "--wait"])!;

        invocation.Should().BeEquivalentTo(new Invocation("migrate", "web-1", "shop", false, "onprem", true, TimeSpan.FromMinutes(10), null, null));
    }

    [Fact]
    public void Flags_take_inline_values_as_kubectl_does()
    {
        var invocation = CommandLine.Parse(["migrate", "web-1", "--to=aws-us-east-1-2", "--namespace=shop", "--timeout=1m30s", "--kubeconfig=/tmp/k", "--context=lab"])!;

        invocation.To.Should().Be("aws-us-east-1-2");
        invocation.Namespace.Should().Be("shop");
        invocation.Timeout.Should().Be(TimeSpan.FromSeconds(90));
        invocation.Kubeconfig.Should().Be("/tmp/k");
        invocation.Context.Should().Be("lab");
    }

    [Theory]
    [InlineData("status")]
    [InlineData("console")]
    [InlineData("pause")]
    [InlineData("unpause")]
    [InlineData("start")]
    [InlineData("stop")]
    [InlineData("cancel")]
    [InlineData("migrate")]
    public void A_command_without_its_SuperPod_is_refused_with_its_usage(string command)
    {
        var parse = () => CommandLine.Parse([command]);

        parse.Should().Throw<UsageException>().WithMessage($"{command} needs the name of a SuperPod: kubectl supercloud {command} NAME");
    }

    [Fact]
    public void An_unknown_flag_is_named()
    {
        var parse = () => CommandLine.Parse(["status", "web-1", "--output=json"]);

        parse.Should().Throw<UsageException>().WithMessage("unknown flag: --output");
    }

    [Fact]
    public void An_unknown_command_lists_the_known_ones()
    {
        var parse = () => CommandLine.Parse(["vnc", "web-1"]);

        parse.Should().Throw<UsageException>().WithMessage("unknown command \"vnc\" (one of: migrate, cancel, status, cost, console, pause, unpause, start, stop)");
    }

    [Fact]
    public void A_flag_without_its_value_is_named()
    {
        var parse = () => CommandLine.Parse(["migrate", "web-1", "--to"]);

        parse.Should().Throw<UsageException>().WithMessage("flag needs an argument: --to");
    }

    [Fact]
    public void Migration_flags_belong_to_migrate_only()
    {
        var parse = () => CommandLine.Parse(["status", "web-1", "--wait"]);

        parse.Should().Throw<UsageException>().WithMessage("--to and --wait belong to migrate, not status");
    }

    [Fact]
    public void A_second_name_is_refused()
    {
        var parse = () => CommandLine.Parse(["console", "web-1", "web-2"]);

        parse.Should().Throw<UsageException>().WithMessage("unexpected argument \"web-2\": console takes one SuperPod name");
    }

    [Fact]
    public void Cost_lists_every_namespace_with_A_and_refuses_a_name()
    {
        CommandLine.Parse(["cost", "-A"])!.AllNamespaces.Should().BeTrue();
        var withName = () => CommandLine.Parse(["cost", "web-1"]);
        var both = () => CommandLine.Parse(["cost", "-A", "-n", "shop"]);

        withName.Should().Throw<UsageException>().WithMessage("unexpected argument \"web-1\": cost takes no name*");
        both.Should().Throw<UsageException>().WithMessage("-n/--namespace and -A/--all-namespaces exclude each other");
    }

    [Theory]
    [InlineData("10")]
    [InlineData("5 minutes")]
    [InlineData("0s")]
    [InlineData("3d")]
    public void A_timeout_that_is_not_a_positive_duration_is_refused(string value)
    {
        var parse = () => CommandLine.Parse(["migrate", "web-1", "--wait", "--timeout", value]);

        parse.Should().Throw<UsageException>().WithMessage($"invalid argument \"{value}\" for \"--timeout\"*");
    }

    [Fact]
    public void Help_and_no_arguments_ask_for_the_usage()
    {
        CommandLine.Parse(["--help"]).Should().BeNull();
        CommandLine.Parse(["migrate", "-h"]).Should().BeNull();
        CommandLine.Parse([]).Should().BeNull();
    }

    [Fact]
    public async Task A_wrong_command_line_exits_2_with_the_reason_on_stderr()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await Cli.RunAsync(["migrate"], output, errors, CancellationToken.None);

        code.Should().Be(2);
        output.ToString().Should().BeEmpty();
        errors.ToString().Should().Be("error: migrate needs the name of a SuperPod: kubectl supercloud migrate NAME\nSee 'kubectl supercloud --help' for usage.\n");
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_named()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await Cli.RunAsync(["status", "web-1", "--kubeconfig", "/nonexistent/kubeconfig"], output, errors, CancellationToken.None);

        code.Should().Be(1);
        errors.ToString().Should().StartWith("error: cannot load the kubeconfig /nonexistent/kubeconfig: ");
    }
}
