using SuperCloud.Lab.Cli;

return await LabCommand.RunAsync(args, CancellationToken.None);
