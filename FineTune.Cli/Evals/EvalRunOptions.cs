using System.Globalization;
using FineTune.Evals;

namespace FineTune.Cli.Evals;

// A run on a FineTune server: the eval by id, the model through one of its connections (null: the server's own).
public sealed record ServerTarget(Uri Address, string Token, string EvalId, string? ConnectionId);

// A run with no server: the eval as exported (EVAL.json), its test set from a file, the model at an OpenAI-compatible endpoint.
public sealed record EndpointTarget(string EvalFile, string TestSet, Uri Endpoint, string? ApiKey);

// What "finetune eval run" was asked to do, checked before anything runs: exactly one of Server and Endpoint is set.
// MinPassRate null means the eval's own pass threshold.
public sealed record EvalRunOptions(string Model, EvalSampling Sampling, string? SystemPrompt, double? MinPassRate, bool Json,
    ServerTarget? Server, EndpointTarget? Endpoint)
{
    public const string ApiKeyVariable = "OPENAI_API_KEY";

    // Each option that takes a value, with what the value is: the message when it is missing or wrong says so.
    private static readonly Dictionary<string, string> ValueOptions = new(StringComparer.Ordinal)
    {
        ["--model"] = "the model to evaluate",
        ["--connection"] = "the id of one of the workspace's connections",
        ["--temperature"] = "a number from 0 to 2",
        ["--max-tokens"] = "a whole number of at least 1",
        ["--seed"] = "a whole number",
        ["--system-prompt"] = "the system message that replaces the items' own",
        ["--min-pass-rate"] = "a pass rate from 0 to 1, such as 0.9",
        ["--server"] = "the FineTune Api's address, such as http://localhost:5081",
        ["--token"] = "a personal access token",
        ["--file"] = "an eval as FineTune exports it (EVAL.json)",
        ["--endpoint"] = "an OpenAI-compatible API's address, such as https://api.openai.com/v1",
        ["--api-key"] = "the endpoint's API key",
        ["--test-set"] = "the test set in JSONL, one item a line",
    };

    private static readonly string[] ServerOnly = ["--connection", "--server", "--token"];
    private static readonly string[] EndpointOnly = ["--endpoint", "--api-key", "--test-set"];

    // Null with problem set when the arguments (after "eval run") do not make a run.
    public static EvalRunOptions? Parse(string[] args, Func<string, string?> environment, out string? problem)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? evalId = null;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var before, var after] && before.StartsWith("--", StringComparison.Ordinal)
                ? (before, after)
                : (args[i], null);
            if (name == "--json")
            {
                json = true;
                continue;
            }
            if (!name.StartsWith('-'))
            {
                if (evalId is not null) return Fail($"Only one EVAL_ID; \"{name}\" is one too many.", out problem);
                evalId = name;
                continue;
            }
            if (!ValueOptions.TryGetValue(name, out var what)) return Fail($"Unknown option \"{name}\".", out problem);
            if (value is null && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            if (string.IsNullOrWhiteSpace(value)) return Fail($"{name} needs a value: {what}.", out problem);
            values[name] = value;
        }

        if (!values.TryGetValue("--model", out var model)) return Fail($"--model is required: {ValueOptions["--model"]}.", out problem);
        if (!TryNumber(values, "--temperature", 0, 2, out var temperature, out problem)
            || !TryWholeNumber(values, "--max-tokens", 1, out var maxTokens, out problem)
            || !TryWholeNumber(values, "--seed", int.MinValue, out var seed, out problem)
            || !TryNumber(values, "--min-pass-rate", 0, 1, out var minPassRate, out problem))
        {
            return null;
        }
        var sampling = new EvalSampling(temperature, maxTokens, seed);
        values.TryGetValue("--system-prompt", out var systemPrompt);

        if (evalId is not null && values.ContainsKey("--file"))
            return Fail("Give either EVAL_ID (a run on the server) or --file EVAL.json (a run against --endpoint), not both.", out problem);
        if (evalId is not null)
        {
            if (EndpointOnly.FirstOrDefault(values.ContainsKey) is { } misplaced)
                return Fail($"{misplaced} is for a run with --file; a run of EVAL_ID on the server uses --connection.", out problem);
            var serverText = values.GetValueOrDefault("--server") ?? environment(ServerCalls.ServerVariable) ?? AdminCommand.DefaultApi;
            if (!ServerCalls.TryAddress(serverText, values.ContainsKey("--server") ? "--server" : ServerCalls.ServerVariable, out var server, out problem)) return null;
            if ((values.GetValueOrDefault("--token") ?? environment(AdminCommand.TokenVariable)) is not { Length: > 0 } token)
                return Fail($"--token is required (or set {AdminCommand.TokenVariable}): a personal access token for {server}.", out problem);
            var target = new ServerTarget(server, token, evalId, values.GetValueOrDefault("--connection"));
            return new EvalRunOptions(model, sampling, systemPrompt, minPassRate, json, target, null);
        }
        if (!values.TryGetValue("--file", out var file))
            return Fail("Which eval? Give EVAL_ID (a run on the server) or --file EVAL.json (a run against --endpoint).", out problem);
        if (ServerOnly.FirstOrDefault(values.ContainsKey) is { } serverOption)
            return Fail($"{serverOption} is for a run of EVAL_ID on the server; a run with --file asks --endpoint.", out problem);
        if (!values.TryGetValue("--endpoint", out var endpointText)) return Fail($"--endpoint is required with --file: {ValueOptions["--endpoint"]}.", out problem);
        if (!ServerCalls.TryAddress(endpointText, "--endpoint", out var endpoint, out problem)) return null;
        if (!values.TryGetValue("--test-set", out var testSet))
            return Fail($"--test-set is required with --file: {ValueOptions["--test-set"]} (the exported eval names only its dataset's id).", out problem);
        var apiKey = values.GetValueOrDefault("--api-key") ?? environment(ApiKeyVariable);
        return new EvalRunOptions(model, sampling, systemPrompt, minPassRate, json, null, new EndpointTarget(file, testSet, endpoint, apiKey));
    }

    private static EvalRunOptions? Fail(string message, out string? problem)
    {
        problem = message;
        return null;
    }

    private static bool TryNumber(Dictionary<string, string> values, string option, double min, double max, out double? number, out string? problem)
    {
        number = null;
        problem = null;
        if (!values.TryGetValue(option, out var text)) return true;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
        {
            number = parsed;
            return true;
        }
        problem = $"{option} is \"{text}\"; it needs {ValueOptions[option]}.";
        return false;
    }

    private static bool TryWholeNumber(Dictionary<string, string> values, string option, int min, out int? number, out string? problem)
    {
        number = null;
        problem = null;
        if (!values.TryGetValue(option, out var text)) return true;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min)
        {
            number = parsed;
            return true;
        }
        problem = $"{option} is \"{text}\"; it needs {ValueOptions[option]}.";
        return false;
    }
}
