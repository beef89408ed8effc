using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace FineTune.Cli.Evals;

// An eval run on a FineTune server: reads the eval (its pass threshold is the default minimum), starts a run through the
// Api, and follows it until it finishes. Interrupted (Ctrl+C), it cancels the run rather than leave it spending.
public static class ServerEvalRun
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    // The Api may restart under a long run (a deploy): polls that fail for this long in a row end the command.
    private static readonly TimeSpan UnreachableFor = TimeSpan.FromSeconds(60);

    public static async Task<EvalGateResult> RunAsync(EvalRunOptions options, ServerTarget server, TextWriter progress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        var evalPath = $"api/evals/{Uri.EscapeDataString(server.EvalId)}";

        var eval = await ServerCalls.ReadAsync<Eval>(http, () => http.GetAsync(evalPath, cancellationToken), cancellationToken);
        var minPassRate = options.MinPassRate ?? eval.PassThreshold
            ?? throw new CommandException($"--min-pass-rate is required: the eval {eval.Id} ({eval.Name}) sets no pass threshold.");
        var request = new CreateEvalRunRequest(options.Model, server.ConnectionId, options.Sampling.Temperature, options.Sampling.MaxTokens,
            options.Sampling.Seed, options.SystemPrompt);
        var run = await ServerCalls.ReadAsync<EvalRun>(http, () => http.PostAsJsonAsync($"{evalPath}/runs", request, FineTuneJson.Options, cancellationToken),
            cancellationToken);
        await progress.WriteLineAsync($"finetune: started run {run.Id} of {eval.Name} on {run.Model}");

        try
        {
            run = await FollowAsync(http, $"{evalPath}/runs/{run.Id}", run, progress, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelAsync(http, $"{evalPath}/runs/{run.Id}/cancel", progress, run.Id);
            throw new CommandException($"Interrupted; the run {run.Id} was cancelled.");
        }
        return EvalGateResult.Of(run, run.Id, eval.Name, minPassRate);
    }

    private static async Task<EvalRun> FollowAsync(HttpClient http, string runPath, EvalRun run, TextWriter progress, CancellationToken cancellationToken)
    {
        var shown = "";
        var failingSince = (DateTimeOffset?)null;
        while (!EvalRunStatus.IsFinished(run.Status))
        {
            await Task.Delay(PollInterval, cancellationToken);
            try
            {
                using var response = await http.GetAsync(runPath, cancellationToken);
                if (response.StatusCode < HttpStatusCode.InternalServerError)
                {
                    if (!response.IsSuccessStatusCode) throw await CommandException.FromResponseAsync(response, cancellationToken);
                    run = (await response.Content.ReadFromJsonAsync<EvalRun>(FineTuneJson.Options, cancellationToken))!;
                    failingSince = null;
                }
                else
                {
                    failingSince ??= DateTimeOffset.UtcNow;
                    if (DateTimeOffset.UtcNow - failingSince > UnreachableFor) throw await CommandException.FromResponseAsync(response, cancellationToken);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failingSince ??= DateTimeOffset.UtcNow;
                if (DateTimeOffset.UtcNow - failingSince > UnreachableFor)
                    throw new CommandException($"GET {new Uri(http.BaseAddress!, runPath)}: no answer for {UnreachableFor.TotalSeconds:0} s: {e.Message}");
            }
            var line = EvalGateResult.Progress(run);
            if (line != shown) await progress.WriteLineAsync(line);
            shown = line;
        }
        return run;
    }

    private static async Task CancelAsync(HttpClient http, string cancelPath, TextWriter progress, string runId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await http.PostAsync(cancelPath, null, timeout.Token);
            await progress.WriteLineAsync(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict
                ? $"finetune: cancelled run {runId}"
                : (await CommandException.FromResponseAsync(response, CancellationToken.None)).Message);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await progress.WriteLineAsync($"finetune: could not cancel run {runId}: {e.Message}");
        }
    }
}
