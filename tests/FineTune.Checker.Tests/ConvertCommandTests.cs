using System.Text.Json;
using FineTune.Cli;

namespace FineTune.Checker.Tests;

public sealed class ConvertCommandTests : IDisposable
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples");
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-convert-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Task<(int Exit, string Out, string Err)> Run(params string[] args) => FineTuneCommandTests.Run(args);

    [Fact]
    public async Task A_sample_goes_to_sharegpt_and_back_exiting_0()
    {
        var sample = Path.Combine(Samples, "capitals-train.jsonl");
        var shareGpt = Path.Combine(_directory, "capitals.sharegpt.jsonl");
        var back = Path.Combine(_directory, "capitals.openai.jsonl");

        var (exit, output, _) = await Run("convert", sample, "--to", "sharegpt", "-o", shareGpt);
        var (backExit, backOutput, _) = await Run("convert", shareGpt, "--to=openai", "--from=sharegpt", "--output", back);

        Assert.Equal((ConvertCommand.Converted, ConvertCommand.Converted), (exit, backExit));
        Assert.Contains($"{sample} -> {shareGpt}: 24 of 24 examples written as sharegpt, read as openai (detected); 0 skipped", output);
        Assert.Contains("read as sharegpt;", backOutput);
        Assert.StartsWith("""{"conversations":[{"from":"system","value":"You are Atlas""", await File.ReadAllTextAsync(shareGpt));
        var original = (await File.ReadAllLinesAsync(sample)).Select(line => JsonSerializer.Serialize(JsonDocument.Parse(line).RootElement));
        Assert.Equal(original, await File.ReadAllLinesAsync(back));
        Assert.False(File.Exists(back + ".partial"));
    }

    [Fact]
    public async Task Lines_a_format_cannot_hold_are_listed_as_file_line_code_reason_and_exit_1()
    {
        var file = Path.Combine(_directory, "mixed.jsonl");
        const string oneTurn = """{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}]}""";
        const string threeTurns = """{"messages":[{"role":"user","content":"1"},{"role":"assistant","content":"a"},{"role":"user","content":"2"},"""
            + """{"role":"assistant","content":"b"},{"role":"user","content":"3"},{"role":"assistant","content":"c"}]}""";
        await File.WriteAllLinesAsync(file, [.. Enumerable.Repeat(oneTurn, 6), threeTurns, oneTurn]);
        var alpaca = Path.Combine(_directory, "mixed.alpaca.jsonl");

        var (exit, output, _) = await Run("convert", file, "--to", "alpaca", "-o", alpaca);

        Assert.Equal(ConvertCommand.SomeSkipped, exit);
        Assert.Contains($"{file}:7: turns: Alpaca holds one user turn; this example has 3", output);
        Assert.Contains("7 of 8 examples written as alpaca", output);
        Assert.Equal(7, (await File.ReadAllLinesAsync(alpaca)).Length);
    }

    [Fact]
    public async Task Json_prints_the_report()
    {
        var (exit, output, _) = await Run("convert", Path.Combine(Samples, "capitals-train.jsonl"), "--to", "alpaca", "-o", Path.Combine(_directory, "a.jsonl"), "--json");

        Assert.Equal(ConvertCommand.Converted, exit);
        using var report = JsonDocument.Parse(output);
        Assert.Equal("alpaca", report.RootElement.GetProperty("to").GetString());
        Assert.Equal(24, report.RootElement.GetProperty("written").GetInt32());
    }

    [Theory]
    [InlineData("convert", "x.jsonl", "--to", "csv", "-o", "y.jsonl")]
    [InlineData("convert", "x.jsonl", "--to", "alpaca")]
    [InlineData("convert", "x.jsonl", "-o", "y.jsonl")]
    [InlineData("convert", "--to", "alpaca", "-o", "y.jsonl")]
    [InlineData("convert", "x.jsonl", "--to", "alpaca", "--from", "yaml", "-o", "y.jsonl")]
    [InlineData("convert", "x.jsonl", "--to", "alpaca", "-o", "y.jsonl", "--shuffle")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var (exit, _, error) = await Run(args);

        Assert.Equal(FineTuneCommand.UsageError, exit);
        Assert.StartsWith("finetune: ", error);
    }

    [Fact]
    public async Task A_missing_input_exits_2_and_writes_nothing()
    {
        var target = Path.Combine(_directory, "out.jsonl");

        var (exit, _, error) = await Run("convert", Path.Combine(_directory, "none.jsonl"), "--to", "trl", "-o", target);

        Assert.Equal(FineTuneCommand.UsageError, exit);
        Assert.Contains("cannot convert", error);
        Assert.False(File.Exists(target));
    }
}
