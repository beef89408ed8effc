using System.Net.Http.Headers;

namespace FineTune.Cli.Jobs;

// finetune jobs watch JOB_ID: a job's events as its page shows them, history first, then live, until the job ends.
// Events go to stdout (a line each, or JSON lines with --json), status changes and problems to stderr.
// Exit codes: 0 the job succeeded; 1 it failed, was cancelled or denied; 2 usage error, or the Api refused or could not be reached.
public static class JobWatchCommand
{
    public const string WebVariable = "FINETUNE_WEB";
    public const string DefaultWeb = "http://localhost:5080";
    public const int SucceededExit = 0;
    public const int EndedOtherwiseExit = 1;
    public const int ErrorExit = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        if (args is not ["watch", .. var rest]) return await FineTuneCommand.UsageAsync(error, "The jobs command is \"finetune jobs watch JOB_ID\".");
        string? jobId = null;
        var values = new Dictionary<string, string>();
        var json = false;
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "-h" or "--help": await output.WriteLineAsync(FineTuneCommand.Usage); return SucceededExit;
                case "--json": json = true; break;
                case "--server" or "--web" or "--token" when i + 1 < rest.Length: values[rest[i]] = rest[++i]; break;
                case "--server" or "--web" or "--token": return await FineTuneCommand.UsageAsync(error, $"{rest[i]} needs a value.");
                case var option when option.StartsWith('-'): return await FineTuneCommand.UsageAsync(error, $"Unknown option \"{option}\".");
                case var id when jobId is null: jobId = id; break;
                default: return await FineTuneCommand.UsageAsync(error, $"Watch one job at a time; \"{rest[i]}\" is one too many.");
            }
        }
        if (jobId is null) return await FineTuneCommand.UsageAsync(error, "Which job? Give its id (job_…), as the job page or GET /api/jobs shows it.");
        var serverText = values.GetValueOrDefault("--server") ?? environment(ServerCalls.ServerVariable) ?? AdminCommand.DefaultApi;
        var webText = values.GetValueOrDefault("--web") ?? environment(WebVariable) ?? DefaultWeb;
        if (!ServerCalls.TryAddress(serverText, values.ContainsKey("--server") ? "--server" : ServerCalls.ServerVariable, out var server, out var problem)
            || !ServerCalls.TryAddress(webText, values.ContainsKey("--web") ? "--web" : WebVariable, out var web, out problem))
        {
            return await FineTuneCommand.UsageAsync(error, problem!);
        }
        if ((values.GetValueOrDefault("--token") ?? environment(AdminCommand.TokenVariable)) is not { Length: > 0 } token)
            return await FineTuneCommand.UsageAsync(error, $"--token is required (or set {AdminCommand.TokenVariable}): a personal access token for {server}.");

        using var api = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var watch = new JobWatch(api, jobId, output, error, json);
            var job = await watch.RunAsync(new Uri(web, JobsHubContract.Path.TrimStart('/')), token, cancellationToken);
            if (job.FineTunedModel is { } model) await error.WriteLineAsync($"finetune: fine-tuned model {model}");
            if (job.Error is { } failure) await error.WriteLineAsync($"finetune: {failure.Message}");
            return job.Status == JobStatus.Succeeded ? SucceededExit : EndedOtherwiseExit;
        }
        catch (CommandException e)
        {
            await error.WriteLineAsync($"finetune: {e.Message}");
            return ErrorExit;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("finetune: interrupted; the job goes on.");
            return ErrorExit;
        }
    }
}
