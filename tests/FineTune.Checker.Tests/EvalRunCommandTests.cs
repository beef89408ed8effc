using System.Net;
using System.Net.Sockets;
using FineTune.Cli;
using FineTune.Cli.Evals;

namespace FineTune.Checker.Tests;

// finetune eval run's arguments: each mistake exits 2 before anything runs, naming the option and what it needs.
public sealed class EvalRunCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await FineTuneCommand.RunAsync(["eval", "run", .. args], output, error, name => environment?.GetValueOrDefault(name));
        return (exit, output.ToString(), error.ToString());
    }

    private static readonly Dictionary<string, string> WithToken = new() { [AdminCommand.TokenVariable] = "ft_pat_test" };

    [Theory]
    [InlineData("finetune: --model is required: the model to evaluate.", "eval_1")]
    [InlineData("finetune: --model needs a value: the model to evaluate.", "eval_1", "--model")]
    [InlineData("finetune: --min-pass-rate is \"90\"; it needs a pass rate from 0 to 1, such as 0.9.", "eval_1", "--model", "m", "--min-pass-rate", "90")]
    [InlineData("finetune: --temperature is \"hot\"; it needs a number from 0 to 2.", "eval_1", "--model", "m", "--temperature", "hot")]
    [InlineData("finetune: --max-tokens is \"0\"; it needs a whole number of at least 1.", "eval_1", "--model=m", "--max-tokens=0")]
    [InlineData("finetune: --seed is \"1.5\"; it needs a whole number.", "eval_1", "--model", "m", "--seed", "1.5")]
    [InlineData("finetune: Unknown option \"--min-pass\".", "eval_1", "--model", "m", "--min-pass", "0.9")]
    [InlineData("finetune: Only one EVAL_ID; \"eval_2\" is one too many.", "eval_1", "eval_2", "--model", "m")]
    [InlineData("finetune: Which eval? Give EVAL_ID (a run on the server) or --file EVAL.json (a run against --endpoint).", "--model", "m")]
    [InlineData("finetune: Give either EVAL_ID (a run on the server) or --file EVAL.json (a run against --endpoint), not both.",
        "eval_1", "--file", "e.json", "--model", "m")]
    [InlineData("finetune: --endpoint is for a run with --file; a run of EVAL_ID on the server uses --connection.",
        "eval_1", "--model", "m", "--endpoint", "http://localhost:5082/v1")]
    [InlineData("finetune: --server is \"localhost:5081\"; it needs an http or https address.", "eval_1", "--model", "m", "--server", "localhost:5081")]
    [InlineData("finetune: --connection is for a run of EVAL_ID on the server; a run with --file asks --endpoint.",
        "--file", "e.json", "--model", "m", "--connection", "c")]
    [InlineData("finetune: --endpoint is required with --file: an OpenAI-compatible API's address, such as https://api.openai.com/v1.",
        "--file", "e.json", "--model", "m", "--test-set", "t.jsonl")]
    [InlineData("finetune: --test-set is required with --file: the test set in JSONL, one item a line (the exported eval names only its dataset's id).",
        "--file", "e.json", "--model", "m", "--endpoint", "http://localhost:5082/v1")]
    public async Task A_usage_error_exits_2_naming_the_option_and_what_it_needs(string message, params string[] args)
    {
        var (exit, output, error) = await Run(WithToken, args);

        Assert.Equal(EvalGateResult.ErrorExit, exit);
        Assert.Equal(message, error.Split('\n')[0].TrimEnd());
        Assert.Contains("finetune eval run EVAL_ID --model MODEL", error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_run_on_the_server_needs_a_token_from_the_option_or_the_environment()
    {
        var (exit, _, error) = await Run(null, "eval_1", "--model", "m", "--server", "http://127.0.0.1:5081");

        Assert.Equal(EvalGateResult.ErrorExit, exit);
        Assert.StartsWith($"finetune: --token is required (or set {AdminCommand.TokenVariable}): a personal access token for http://127.0.0.1:5081/.", error);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_exits_2_naming_its_address_and_where_it_came_from()
    {
        var server = $"http://127.0.0.1:{FreePort()}/";

        var (exit, output, error) = await Run(new Dictionary<string, string>(WithToken) { [ServerCalls.ServerVariable] = server },
            "eval_1", "--model", "m", "--min-pass-rate", "0.9");

        Assert.Equal(EvalGateResult.ErrorExit, exit);
        Assert.StartsWith($"finetune: Cannot reach the FineTune Api at {server} (--server or {ServerCalls.ServerVariable}): ", error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_run_without_a_server_names_the_eval_file_it_cannot_read_or_that_is_no_eval()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-eval-{Guid.NewGuid():N}.json");
        var noGraders = Path.GetTempFileName();
        await File.WriteAllTextAsync(noGraders, """{ "name": "x" }""");
        string[] rest = ["--model", "m", "--endpoint", "http://127.0.0.1:1/v1", "--test-set", "t.jsonl", "--min-pass-rate", "0.5"];

        var (missingExit, _, missingError) = await Run(null, ["--file", missing, .. rest]);
        var (noGradersExit, _, noGradersError) = await Run(null, ["--file", noGraders, .. rest]);

        Assert.Equal((EvalGateResult.ErrorExit, EvalGateResult.ErrorExit), (missingExit, noGradersExit));
        Assert.StartsWith($"finetune: Cannot read --file {missing}: ", missingError);
        Assert.StartsWith($"finetune: --file {noGraders} is not an eval: it needs \"graders\", a list", noGradersError);
    }

    [Fact]
    public async Task A_test_set_line_that_is_no_item_stops_the_run_naming_the_file_and_line()
    {
        var eval = Path.GetTempFileName();
        var testSet = Path.GetTempFileName();
        await File.WriteAllTextAsync(eval, """{ "name": "x", "graders": [], "passThreshold": 0.5 }""");
        await File.WriteAllTextAsync(testSet, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n\nnot json\n");

        var (exit, _, error) = await Run(null, "--file", eval, "--test-set", testSet, "--model", "m", "--endpoint", "http://127.0.0.1:1/v1");

        Assert.Equal(EvalGateResult.ErrorExit, exit);
        Assert.StartsWith($"finetune: Cannot read --test-set {testSet}: line 3: not JSON", error);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
