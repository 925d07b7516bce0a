using SuperCloud.Kubectl;

// kubectl runs this as `kubectl supercloud ...`, with the user's environment (KUBECONFIG) and none of kubectl's flags.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await Cli.RunAsync(args, Console.Out, Console.Error, cancel.Token);
