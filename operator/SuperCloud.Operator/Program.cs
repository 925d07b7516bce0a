using SuperCloud.Operator;

WebApplication app;
try
{
    // Reconcilers register here as they are written (services.AddController<SuperPod, SuperPodReconciler>(...)).
    app = OperatorHost.Build(args);
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
