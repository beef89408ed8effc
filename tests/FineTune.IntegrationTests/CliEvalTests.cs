using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Cli;
using FineTune.Cli.Evals;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// finetune eval run with no server, against the LocalProvider as a real process. Its base models answer with a stand-in
// that quotes the prompt ("You said: …"), so a grader looking for words of the prompt passes and one looking for the
// answer fails: the pass rate is known. The provider first answers 429 twice and 500 once, which the CLI waits out.
public sealed class CliEvalTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-cli-eval-").FullName;
    private ServiceProcess _provider = null!;

    private const string Eval = """
        { "name": "mentions", "passThreshold": 0.5, "datasetId": "ds_elsewhere",
          "graders": [{ "type": "string_check", "name": "mentions", "input": "{{ sample.output_text }}", "reference": "{{ item.expected }}", "operation": "like" }] }
        """;

    // Three items the stand-in passes, one it fails, and one without messages, which the provider refuses (400): errored,
    // and left out of the pass rate of 3/4.
    private const string TestSet = """
        {"messages":[{"role":"user","content":"What is the capital of France?"}],"expected":"capital of France"}
        {"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"What is the capital of Japan?"}],"expected":"capital of Japan"}
        {"messages":[{"role":"user","content":"What is the capital of Italy?"},{"role":"assistant","content":"Rome."}],"expected":"capital of Italy"}
        {"messages":[{"role":"user","content":"What is the capital of Spain?"}],"expected":"Madrid"}
        {"expected":"anything"}
        """;

    public async Task InitializeAsync()
    {
        _provider = await ServiceProcess.StartAsync("FineTune.LocalProvider", new Dictionary<string, string>
        {
            ["FineTune__DataDirectory"] = Path.Combine(_directory, "localprovider"),
            ["LocalProvider__Faults__Rules__0__Path"] = "/v1/chat/completions",
            ["LocalProvider__Faults__Rules__0__Kind"] = "rate_limit",
            ["LocalProvider__Faults__Rules__0__Times"] = "2",
            ["LocalProvider__Faults__Rules__0__RetryAfter"] = "00:00:01",
            ["LocalProvider__Faults__Rules__1__Path"] = "/v1/chat/completions",
            ["LocalProvider__Faults__Rules__1__Kind"] = "server_error",
            ["LocalProvider__Faults__Rules__1__Times"] = "1",
        });
        await File.WriteAllTextAsync(EvalFile, Eval);
        await File.WriteAllTextAsync(TestSetFile, TestSet);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string EvalFile => Path.Combine(_directory, "eval.json");
    private string TestSetFile => Path.Combine(_directory, "test-set.jsonl");
    private string Endpoint => _provider.BaseAddress + "v1";

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await FineTuneCommand.RunAsync(
            ["eval", "run", "--file", EvalFile, "--test-set", TestSetFile, "--endpoint", Endpoint, .. args], output, error,
            environment: name => name == EvalRunOptions.ApiKeyVariable ? "local-key" : null);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task The_gate_passes_at_the_pass_rate_of_the_items_graded_without_error_and_fails_above_it()
    {
        var (exit, output, error) = await RunAsync("--model", "gpt-4.1-mini", "--temperature", "0", "--seed", "1", "--min-pass-rate", "0.75", "--json");

        Assert.True(exit == EvalGateResult.PassedExit, error + output + _provider.Output);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(JsonValueKind.Null, result.GetProperty("runId").ValueKind);
        Assert.Equal(("mentions", "completed", true),
            (result.GetProperty("eval").GetString(), result.GetProperty("status").GetString(), result.GetProperty("passed").GetBoolean()));
        Assert.Equal(new EvalRunCounts(5, 3, 1, 1), result.GetProperty("counts").Deserialize<EvalRunCounts>(FineTuneJson.Options));
        Assert.Equal((0.75, 0.75), (result.GetProperty("passRate").GetDouble(), result.GetProperty("minPassRate").GetDouble()));
        Assert.Equal(new[] { new EvalGraderMean("mentions", 0.75) }, result.GetProperty("graders").Deserialize<List<EvalGraderMean>>(FineTuneJson.Options));
        Assert.True(result.GetProperty("usage").GetProperty("completionTokens").GetInt64() > 0);
        Assert.Contains("graded 5/5, pass rate 75%, 1 errored", error);

        using var provider = new HttpClient { BaseAddress = _provider.BaseAddress };
        var faults = await provider.GetFromJsonAsync<JsonElement>("/admin/faults");
        Assert.Equal("2 1", string.Join(' ', faults.GetProperty("rules").EnumerateArray().Select(rule => rule.GetProperty("fired").GetInt32())));

        var (belowExit, belowOutput, _) = await RunAsync("--model", "gpt-4.1-mini", "--min-pass-rate", "0.8");

        Assert.Equal(EvalGateResult.BelowThresholdExit, belowExit);
        Assert.Contains("eval mentions on gpt-4.1-mini: completed", belowOutput);
        Assert.Contains("items: 5, 3 passed, 1 failed, 1 errored", belowOutput);
        Assert.Contains("pass rate: 75.0%, minimum 80.0%: FAILED: below the minimum", belowOutput);
    }

    [Fact]
    public async Task Without_a_minimum_the_eval_s_pass_threshold_is_the_gate_and_a_model_the_endpoint_does_not_have_exits_2_naming_the_refusal()
    {
        var (exit, output, _) = await RunAsync("--model", "gpt-4.1-mini");

        Assert.Equal(EvalGateResult.PassedExit, exit);
        Assert.Contains("minimum 50.0%: PASSED", output);

        var (unknownExit, unknownOutput, error) = await RunAsync("--model", "no-such-model", "--min-pass-rate", "0.5");

        Assert.Equal(EvalGateResult.ErrorExit, unknownExit);
        Assert.Empty(unknownOutput);
        Assert.Contains($"finetune: POST {Endpoint}/chat/completions: 404 Not Found: The model 'no-such-model' does not exist", error);
        Assert.Contains("(the model --model, the key --api-key or OPENAI_API_KEY, or --endpoint)", error);
    }
}

// finetune eval run EVAL_ID on a FineTune server: the run is started through the Api and followed to its end.
public sealed class CliEvalServerTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await FineTuneCommand.RunAsync(["eval", "run", .. args], output, error, environment: name => name switch
        {
            AdminCommand.TokenVariable => FineTuneStack<GarnetRedisServer>.AdminToken,
            ServerCalls.ServerVariable => stack.Api.BaseAddress.ToString(),
            _ => null,
        });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_run_on_the_server_exits_0_at_the_eval_s_threshold_1_below_the_minimum_and_2_when_the_Api_refuses_it()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var echoes = await CreateEvalAsync(api, "echoes", dataset.Id, "like", "{{ item.input }}", passThreshold: 0.9);
        var exact = await CreateEvalAsync(api, "exact", dataset.Id, "eq", "{{ item.reference }}", passThreshold: null);

        var (exit, output, error) = await RunAsync(echoes.Id, "--model", "gpt-4.1-mini", "--seed", "1", "--json");

        Assert.True(exit == EvalGateResult.PassedExit, error + output + stack.Logs);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.StartsWith("evalrun_", result.GetProperty("runId").GetString());
        Assert.Equal((1.0, 0.9, dataset.Report.ExampleCount), (result.GetProperty("passRate").GetDouble(), result.GetProperty("minPassRate").GetDouble(),
            result.GetProperty("counts").GetProperty("total").GetInt32()));
        Assert.Contains($"started run {result.GetProperty("runId").GetString()} of echoes on gpt-4.1-mini", error);

        var (noMinimumExit, _, noMinimumError) = await RunAsync(exact.Id, "--model", "gpt-4.1-mini");
        Assert.Equal(EvalGateResult.ErrorExit, noMinimumExit);
        Assert.Contains($"--min-pass-rate is required: the eval {exact.Id} (exact) sets no pass threshold.", noMinimumError);

        var (belowExit, belowOutput, belowError) = await RunAsync(exact.Id, "--model", "gpt-4.1-mini", "--min-pass-rate", "0.5");
        Assert.True(belowExit == EvalGateResult.BelowThresholdExit, belowError + belowOutput);
        Assert.Contains("pass rate: 0.0%, minimum 50.0%: FAILED: below the minimum", belowOutput);

        var (refusedExit, _, refusedError) = await RunAsync(exact.Id, "--model", "gpt-4.1-mini", "--min-pass-rate", "0.5", "--connection", "conn_nope");
        Assert.Equal(EvalGateResult.ErrorExit, refusedExit);
        Assert.Contains($"POST {stack.Api.BaseAddress}api/evals/{exact.Id}/runs: 400 Bad Request: The run cannot start", refusedError);
        Assert.Contains("connectionId: There is no connection conn_nope.", refusedError);

        var (unknownExit, _, unknownError) = await RunAsync("eval_nope", "--model", "gpt-4.1-mini", "--token", "ft_wrong");
        Assert.Equal(EvalGateResult.ErrorExit, unknownExit);
        Assert.Contains($"GET {stack.Api.BaseAddress}api/evals/eval_nope: 401 Unauthorized", unknownError);
    }

    private static async Task<Eval> CreateEvalAsync(HttpClient api, string name, string datasetId, string operation, string reference, double? passThreshold)
    {
        var graders = JsonSerializer.SerializeToElement(new[]
        {
            new Dictionary<string, string>
            {
                ["type"] = "string_check", ["name"] = name, ["input"] = "{{ sample.output_text }}", ["reference"] = reference, ["operation"] = operation,
            },
        });
        var response = await api.PostAsJsonAsync("/api/evals", new CreateEvalRequest(name, datasetId, graders, passThreshold), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Eval>(FineTuneJson.Options))!;
    }
}
