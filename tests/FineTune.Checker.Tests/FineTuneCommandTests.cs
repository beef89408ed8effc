using System.Text.Json;
using FineTune.Cli;

namespace FineTune.Checker.Tests;

public sealed class FineTuneCommandTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples");

    internal static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await FineTuneCommand.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_valid_file_exits_0_with_a_summary()
    {
        var file = Path.Combine(Samples, "capitals-train.jsonl");

        var (exit, output, _) = await Run("validate", file, "--model", "gpt-4.1");

        Assert.Equal(FineTuneCommand.Valid, exit);
        Assert.Contains($"{file}: valid: 24 chat examples, 0 errors", output);
        Assert.Contains("tokens (o200k_base)", output);
        Assert.Contains("estimate (openai gpt-4.1)", output);
    }

    [Fact]
    public async Task An_invalid_file_exits_1_listing_errors_as_file_line_code_message()
    {
        var file = Path.Combine(Samples, "capitals-with-errors.jsonl");

        var (exit, output, _) = await Run("validate", file);

        Assert.Equal(FineTuneCommand.Invalid, exit);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith($"{file}:2: invalid_json: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{file}:4: unrecognized_role: \"human\" is not a role", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{file}:7: too_few_examples: ", StringComparison.Ordinal));
        Assert.Contains($"{file}: INVALID: 7 chat examples, 6 errors", output);
    }

    [Fact]
    public async Task Json_output_is_the_report()
    {
        var (exit, output, _) = await Run("validate", Path.Combine(Samples, "capitals-with-errors.jsonl"), "--json");

        Assert.Equal(FineTuneCommand.Invalid, exit);
        using var report = JsonDocument.Parse(output);
        Assert.False(report.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(2, report.RootElement.GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal("invalid_json", report.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.True(report.RootElement.TryGetProperty("tokens", out _));
    }

    [Fact]
    public async Task With_a_method_every_line_is_checked_for_it_and_without_one_the_assumed_method_is_printed()
    {
        var file = Path.Combine(Path.GetTempPath(), $"finetune-cli-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 12).Select(i => i <= 3
            ? $$"""{"id":"q{{i}}","messages":[{"role":"user","content":"Q{{i}}?"},{"role":"assistant","content":"A{{i}}."}]}"""
            : $$"""{"id":"q{{i}}","messages":[{"role":"user","content":"Q{{i}}?"}]}"""));

        var (supervisedExit, supervised, _) = await Run("validate", file, "--method", "supervised");
        var (assumedExit, assumed, _) = await Run("validate", file);
        File.Delete(file);

        Assert.Equal(FineTuneCommand.Invalid, supervisedExit);
        var missing = supervised.Split('\n').Where(l => l.Contains(": example_missing_assistant_message: ")).ToList();
        Assert.Equal(Enumerable.Range(4, 9).Select(line => $"{file}:{line}:"), missing.Select(l => l[..l.IndexOf(' ')]));
        Assert.All(missing, l => Assert.EndsWith("(at $.messages)", l.TrimEnd()));
        Assert.Contains("  checked for supervised", supervised);
        Assert.Equal(FineTuneCommand.Valid, assumedExit);
        Assert.Contains("  assumed reinforcement: 9 of 12 lines have messages without a final assistant message, beside other keys (id)", assumed);
    }

    [Fact]
    public async Task An_unknown_method_exits_2_naming_the_methods()
    {
        var (exit, _, error) = await Run("validate", Path.Combine(Samples, "capitals-train.jsonl"), "--method", "sft");

        Assert.Equal(FineTuneCommand.UsageError, exit);
        Assert.StartsWith("finetune: \"sft\" is not a fine-tuning method; use supervised, dpo or reinforcement.", error);
    }

    [Theory]
    [InlineData]
    [InlineData("check", "x.jsonl")]
    [InlineData("validate")]
    [InlineData("validate", "a.jsonl", "b.jsonl")]
    [InlineData("validate", "a.jsonl", "--model")]
    [InlineData("validate", "a.jsonl", "--method")]
    [InlineData("validate", "a.jsonl", "--fast")]
    [InlineData("validate", "capitals-train.jsonl", "--model", "gpt-2")]
    [InlineData("validate", "does-not-exist.jsonl")]
    [InlineData("admin")]
    [InlineData("admin", "restore", "backup")]
    [InlineData("admin", "backup")]
    [InlineData("admin", "backup", "a", "b")]
    [InlineData("admin", "backup", "a", "--api")]
    [InlineData("admin", "backup", "a", "--api", "not an address")]
    public async Task Usage_errors_exit_2_with_a_reason(params string[] args)
    {
        var (exit, _, error) = await Run(args);

        Assert.Equal(FineTuneCommand.UsageError, exit);
        Assert.StartsWith(args.Length == 0 ? "Usage:" : "finetune: ", error);
    }

    [Fact]
    public async Task A_backup_without_a_token_exits_2_saying_where_the_token_goes()
    {
        var error = new StringWriter();
        var directory = Path.Combine(Path.GetTempPath(), "finetune-no-token-" + Guid.NewGuid().ToString("N"));

        var exit = await FineTuneCommand.RunAsync(["admin", "backup", directory], TextWriter.Null, error, environment: _ => null);

        Assert.Equal(FineTuneCommand.UsageError, exit);
        Assert.StartsWith("finetune: Set FINETUNE_TOKEN", error.ToString());
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var (exit, output, _) = await Run("--help");

        Assert.Equal(0, exit);
        Assert.Contains("finetune validate FILE", output);
    }
}
