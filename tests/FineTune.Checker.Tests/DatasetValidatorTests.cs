using System.Text;

namespace FineTune.Checker.Tests;

public sealed class DatasetValidatorTests
{
    private const string Good = """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}""";

    private static Task<DatasetReport> Validate(string jsonl) =>
        DatasetValidator.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)));

    private static string GoodLines(int count) => string.Concat(Enumerable.Repeat(Good + "\n", count));

    [Fact]
    public async Task Ten_good_examples_are_valid()
    {
        var report = await Validate(GoodLines(10));

        Assert.True(report.Valid);
        Assert.Empty(report.Errors);
        Assert.Equal(10, report.ExampleCount);
        Assert.Equal(20, report.Stats.MessageCount);
        Assert.Equal(10, report.Stats.MessagesPerRole["assistant"]);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}""", "invalid_json")]
    [InlineData("""[1,2]""", "data_type")]
    [InlineData("""{"prompt":"a","completion":"b"}""", "missing_messages_list")]
    [InlineData("""{"messages":[{"content":"Hi"},{"role":"assistant","content":"Hello."}]}""", "message_missing_key")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi","mood":"x"},{"role":"assistant","content":"Hello."}]}""", "message_unrecognized_key")]
    [InlineData("""{"messages":[{"role":"human","content":"Hi"},{"role":"assistant","content":"Hello."}]}""", "unrecognized_role")]
    [InlineData("""{"messages":[{"role":"user"},{"role":"assistant","content":"Hello."}]}""", "missing_content")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}]}""", "example_missing_assistant_message")]
    public async Task A_bad_example_is_reported_at_its_line(string badLine, string expectedCode)
    {
        var report = await Validate(GoodLines(6) + badLine + "\n" + GoodLines(6));

        Assert.False(report.Valid);
        var error = Assert.Single(report.Errors);
        Assert.Equal(expectedCode, error.Code);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public async Task Too_few_examples_is_an_error()
    {
        var report = await Validate(GoodLines(9));

        Assert.Equal("too_few_examples", Assert.Single(report.Errors).Code);
    }

    [Fact]
    public async Task An_empty_file_is_an_error()
    {
        var report = await Validate("\n\n");

        Assert.Equal("empty_file", Assert.Single(report.Errors).Code);
    }

    [Fact]
    public async Task A_byte_order_mark_is_an_error_on_line_one()
    {
        var report = await Validate("\uFEFF" + GoodLines(10));

        var error = Assert.Single(report.Errors);
        Assert.Equal(("byte_order_mark", 1), (error.Code, error.Line));
    }

    [Fact]
    public async Task Invalid_utf8_is_reported()
    {
        var bytes = Encoding.UTF8.GetBytes(GoodLines(10)).Concat(new byte[] { 0xC3, 0x28, (byte)'\n' }).ToArray();

        var report = await DatasetValidator.ValidateAsync(new MemoryStream(bytes));

        Assert.Equal(("invalid_utf8", 11), (report.Errors[0].Code, report.Errors[0].Line));
    }

    [Fact]
    public async Task Errors_are_capped_per_code_with_a_count_of_the_rest()
    {
        var report = await Validate(string.Concat(Enumerable.Repeat("not json\n", DatasetValidator.MaxErrorsPerCode + 7)));

        Assert.Equal(DatasetValidator.MaxErrorsPerCode, report.Errors.Count(e => e.Code == "invalid_json" && e.Line > 0));
        Assert.Contains(report.Errors, e => e.Code == "invalid_json" && e.Message.StartsWith("7 more", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_samples_are_as_their_names_say()
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "samples");
        await using var valid = File.OpenRead(Path.Combine(samples, "capitals-train.jsonl"));
        await using var invalid = File.OpenRead(Path.Combine(samples, "capitals-with-errors.jsonl"));

        var validReport = await DatasetValidator.ValidateAsync(valid);
        var invalidReport = await DatasetValidator.ValidateAsync(invalid);

        Assert.True(validReport.Valid, string.Join("; ", validReport.Errors));
        Assert.Equal(24, validReport.ExampleCount);
        Assert.Equal(
            ["invalid_json", "example_missing_assistant_message", "unrecognized_role", "missing_content", "missing_messages_list", "too_few_examples"],
            invalidReport.Errors.Select(e => e.Code));
        Assert.Equal([2, 3, 4, 5, 6, 7], invalidReport.Errors.Select(e => e.Line));
    }
}
