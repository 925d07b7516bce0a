using SuperCloud.Operator;
using SuperCloud.Operator.Controllers;

WebApplication app;
try
{
    app = OperatorHost.Build(args, (services, _) => services.AddSuperCloudControllers());
}
catch (ArgumentException e)
{
    // Bad flags, environment or config file: one clear line, no stack trace.
    await Console.Error.WriteLineAsync($"supercloud-operator: {e.Message}");
    return 2;
}

await using (app)
{
    await app.RunAsync();
}

return Environment.ExitCode;
