namespace FineTune.Cli.Evals;

// finetune eval run: a CI gate. Runs an eval (on a FineTune server, or with no server against an OpenAI-compatible
// endpoint), prints progress to stderr and the result to stdout (text, or one JSON object with --json).
// Exit codes: 0 the run completed and its pass rate reached the minimum; 1 it completed below it; 2 no verdict: a usage
// error, an Api or endpoint that refused or could not be reached, a run that failed or was cancelled.
public static class EvalRunCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        if (args is not ["run", .. var rest]) return await FineTuneCommand.UsageAsync(error, "The eval command is \"finetune eval run\".");
        if (rest.Any(arg => arg is "-h" or "--help"))
        {
            await output.WriteLineAsync(FineTuneCommand.Usage);
            return EvalGateResult.PassedExit;
        }
        if (EvalRunOptions.Parse(rest, environment, out var problem) is not { } options) return await FineTuneCommand.UsageAsync(error, problem!);

        EvalGateResult result;
        try
        {
            result = options.Server is { } server
                ? await ServerEvalRun.RunAsync(options, server, error, cancellationToken)
                : await EndpointEvalRun.RunAsync(options, options.Endpoint!, error, cancellationToken);
        }
        catch (CommandException e)
        {
            await error.WriteLineAsync($"finetune: {e.Message}");
            return EvalGateResult.ErrorExit;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("finetune: interrupted.");
            return EvalGateResult.ErrorExit;
        }
        await result.WriteAsync(output, options.Json);
        return result.ExitCode;
    }
}
