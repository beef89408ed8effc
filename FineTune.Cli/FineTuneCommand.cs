using System.Globalization;
using System.Text.Json;
using FineTune.Cli.Evals;
using FineTune.Cli.Jobs;

namespace FineTune.Cli;

// finetune validate FILE [--model M] [--method M] [--json]: the dataset checker without a server, for CI.
// Exit codes: 0 valid, 1 the dataset has errors, 2 the command itself is wrong (usage, missing file).
// finetune admin ...: the server owner's commands (AdminCommand).
// finetune eval run ...: an eval run as a CI gate (Evals/EvalRunCommand).
// finetune convert ...: a dataset from one format to another (ConvertCommand).
// finetune bundle inspect FILE: a bundle's manifest and its files' hashes checked (BundleCommand).
// finetune jobs watch JOB_ID: a job's events, live, until it ends (Jobs/JobWatchCommand).
public static class FineTuneCommand
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int UsageError = 2;

    private static readonly JsonSerializerOptions IndentedJson = new(FineTuneJson.Options) { WriteIndented = true };

    public const string Usage = """
        Usage: finetune validate FILE [--model MODEL] [--method METHOD] [--json]
               finetune admin backup DIR [--api URL]
               finetune eval run EVAL_ID --model MODEL [--connection ID] [SAMPLING] [--min-pass-rate RATE] [--server URL] [--token TOKEN] [--json]
               finetune eval run --file EVAL.json --test-set FILE.jsonl --endpoint URL --model MODEL [--api-key KEY] [SAMPLING] [--min-pass-rate RATE] [--json]
               finetune convert IN --to openai|trl|sharegpt|alpaca [--from FORMAT|detect] -o OUT [--json]
               finetune bundle inspect FILE
               finetune jobs watch JOB_ID [--server URL] [--web URL] [--token TOKEN] [--json]

          FILE             a fine-tuning dataset in JSONL (chat, preference or reinforcement format); - reads stdin
          --model MODEL    the model to check against (context limit, price); default gpt-4.1-mini
          --method METHOD  supervised, dpo or reinforcement: every line is checked for it; default: assumed from the lines
          --json           print the full report as JSON instead of text

          admin backup DIR  the whole server (Redis and dataset files) into the new directory DIR, as the server's
                            owner, through the Api at URL (default http://localhost:5081) with the token in
                            FINETUNE_TOKEN. To restore, start a fresh server with FineTune:Restore:From=DIR.

          eval run EVAL_ID  starts a run of the eval on the server at URL (default $FINETUNE_SERVER, else http://localhost:5081)
                            with TOKEN (default $FINETUNE_TOKEN), a personal access token; follows it, printing progress to stderr
          eval run --file   no server: EVAL.json as GET /api/evals/{id}/export?format=finetune gives it, the test set from
                            --test-set, the model at the OpenAI-compatible --endpoint (KEY default $OPENAI_API_KEY), 4 items at once
          SAMPLING          [--temperature 0..2] [--max-tokens N] [--seed S] [--system-prompt TEXT]
          --min-pass-rate   the pass rate (0..1) the run must reach; default the eval's passThreshold. The pass rate is of the
                            items graded without error: an item passes when every grader passes
          --json            print the result as one JSON object (runId, status, counts, passRate, graders, usage, latencyMs,
                            minPassRate, passed)

          convert IN       a dataset (- reads stdin) into OUT (- writes stdout, and the report goes to stderr) in another format:
                           openai (OpenAI chat JSONL), trl (TRL conversational; prompt/chosen/rejected for DPO examples),
                           sharegpt (conversations of from/value turns) or alpaca (instruction/input/output, one turn).
                           --from: the format of IN; default: detected from its first example. Each example that the
                           format cannot hold is skipped and listed as IN:LINE: code: reason. openai -> X -> openai gives
                           back every example X can hold, byte for byte (compacted when it had spaces).

          bundle inspect    a bundle (GET /api/jobs/{id}/bundle or /api/datasets/{id}/bundle): its manifest, and each file
                            ok, hash mismatch or missing; exit 1 when anything is wrong

          jobs watch JOB_ID the job's events (history, then live through the Web's hub at --web, default $FINETUNE_WEB, else
                            http://localhost:5080) until it ends; the Api at --server as for eval run, TOKEN default $FINETUNE_TOKEN.
                            Without the hub it reads the Api every 2 s. Status changes go to stderr; --json prints each event as JSON

        Exit codes: 0 valid (or done; or the eval run reached the minimum; or every example converted; or the bundle is sound),
        1 the dataset has errors (or the job failed, was cancelled or denied; or the backup failed; or the eval run's pass rate is below the minimum; or OUT was written
        without the examples listed; or the bundle has a problem), 2 usage error (or the eval run failed, was cancelled, or
        could not start: the message says which option, address, HTTP status and problem; or IN could not be read or OUT written).
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await (args.Length == 0 ? error : output).WriteLineAsync(Usage);
            return args.Length == 0 ? UsageError : Valid;
        }
        if (args[0] == "admin")
            return await AdminCommand.RunAsync(args[1..], output, error, environment ?? Environment.GetEnvironmentVariable, cancellationToken);
        if (args[0] == "eval")
            return await EvalRunCommand.RunAsync(args[1..], output, error, environment ?? Environment.GetEnvironmentVariable, cancellationToken);
        if (args[0] == "convert")
            return await ConvertCommand.RunAsync(args[1..], output, error, cancellationToken);
        if (args[0] == "bundle") return await BundleCommand.RunAsync(args[1..], output, error, cancellationToken);
        if (args[0] == "jobs")
            return await JobWatchCommand.RunAsync(args[1..], output, error, environment ?? Environment.GetEnvironmentVariable, cancellationToken);
        if (args[0] != "validate") return await UsageAsync(error, $"Unknown command \"{args[0]}\".");

        string? file = null, model = null, method = null;
        var json = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = true; break;
                case "--model" when i + 1 < args.Length: model = args[++i]; break;
                case "--model": return await UsageAsync(error, "--model needs a model name.");
                case "--method" when i + 1 < args.Length: method = args[++i]; break;
                case "--method": return await UsageAsync(error, "--method needs a method: supervised, dpo or reinforcement.");
                case "-h" or "--help": await output.WriteLineAsync(Usage); return Valid;
                case var option when option.StartsWith("--model=", StringComparison.Ordinal): model = option["--model=".Length..]; break;
                case var option when option.StartsWith("--method=", StringComparison.Ordinal): method = option["--method=".Length..]; break;
                case var option when option.StartsWith('-') && option != "-": return await UsageAsync(error, $"Unknown option \"{option}\".");
                case var path when file is null: file = path; break;
                default: return await UsageAsync(error, $"Only one FILE can be checked at a time; \"{args[i]}\" is one too many.");
            }
        }
        if (file is null) return await UsageAsync(error, "Which FILE should be checked?");

        var catalog = ModelCatalog.Default;
        if (model is not null && catalog.Find(model) is null)
            return await UsageAsync(error, $"\"{model}\" is not a known model; use one of {string.Join(", ", catalog.Models.Select(m => m.Name))}.");
        if (method is not null && !TrainingMethods.IsKnown(method))
            return await UsageAsync(error, TrainingMethods.UnknownMessage(method));

        DatasetReport report;
        try
        {
            await using var stream = file == "-"
                ? Console.OpenStandardInput()
                : new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            report = await DatasetValidator.ValidateAsync(stream, new DatasetCheckOptions { Model = model, Method = method, Catalog = catalog }, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            await error.WriteLineAsync($"finetune: cannot read {file}: {e.Message}");
            return UsageError;
        }

        if (json) await output.WriteLineAsync(JsonSerializer.Serialize(report, IndentedJson));
        else await WriteTextAsync(output, file, report);
        return report.Valid ? Valid : Invalid;
    }

    internal static async Task<int> UsageAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"finetune: {problem}");
        await error.WriteLineAsync(Usage);
        return UsageError;
    }

    private static async Task WriteTextAsync(TextWriter output, string file, DatasetReport report)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var problem in report.Errors)
            await output.WriteLineAsync(Located(file, problem, "error"));
        foreach (var problem in report.Warnings)
            await output.WriteLineAsync(Located(file, problem, "warning"));

        var status = report.Valid ? "valid" : "INVALID";
        var errors = report.Stats.ErrorCounts.Values.Sum();
        var warnings = report.Stats.WarningCounts.Values.Sum();
        await output.WriteLineAsync(string.Create(c,
            $"{file}: {status}: {report.ExampleCount:N0} {report.Format} examples, {errors:N0} errors, {warnings:N0} warnings, {report.Stats.Bytes / 1048576.0:N1} MB"));
        await output.WriteLineAsync($"  {report.MethodAssumption ?? $"checked for {report.Method}"}");
        if (report.Tokens is { } tokens)
        {
            var d = tokens.PerExample;
            await output.WriteLineAsync(string.Create(c,
                $"  tokens ({tokens.Encoding}): {tokens.Total:N0} total, {tokens.Trainable:N0} trainable, {tokens.Billable:N0} billable; "
                + $"per example min {d.Min:N0}, p5 {d.P5:N0}, median {d.Median:N0}, mean {d.Mean:N0}, p95 {d.P95:N0}, max {d.Max:N0}; "
                + $"{tokens.ExamplesOverLimit:N0} over {tokens.Model}'s {tokens.ContextLimit:N0}"));
        }
        if (report.Estimate is { } estimate)
        {
            var cost = estimate.Cost is { } amount ? string.Create(c, $"about {amount:N2} {estimate.Currency}") : "price unknown";
            await output.WriteLineAsync(string.Create(c,
                $"  estimate ({estimate.Provider} {estimate.Model}): {estimate.Epochs} epochs x {estimate.BillableTokensPerEpoch:N0} tokens "
                + $"= {estimate.TrainedTokens:N0} trained tokens, {cost}"));
        }
    }

    // file:line: code: message, the shape compilers use, so editors and CI annotate the line.
    private static string Located(string file, DatasetProblem problem, string severity)
    {
        var where = problem.Line > 0 ? $"{file}:{problem.Line}" : file;
        var kind = severity == "error" ? problem.Code : $"warning {problem.Code}";
        var path = problem.Path is { Length: > 1 } p ? $" (at {p})" : "";
        return $"{where}: {kind}: {problem.Message}{path}";
    }
}
