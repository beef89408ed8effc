using FineTune.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
return await FineTuneCommand.RunAsync(args, Console.Out, Console.Error, cancellationToken: cancel.Token);
