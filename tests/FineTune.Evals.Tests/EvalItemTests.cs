namespace FineTune.Evals.Tests;

public sealed class EvalItemTests
{
    [Fact]
    public void A_chat_line_gives_the_prompt_the_reference_and_the_input()
    {
        var item = EvalItem.Parse(4, """
            {"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"},
              {"role":"user","content":[{"type":"text","text":"And 3+3"},{"type":"text","text":"?"}]},{"role":"assistant","content":"6"}],"topic":"math"}
            """);

        Assert.Equal(4, item.Line);
        Assert.Equal(["system", "user", "assistant", "user"], item.Messages.Select(m => m.Role));
        Assert.Equal("And 3+3?", item.Messages[^1].Content);
        Assert.Equal("6", item.Reference);
        Assert.Equal("And 3+3?", item.Input);
        Assert.Equal(["input", "messages", "reference", "topic"], item.FieldNames.Order());
    }

    [Fact]
    public void A_line_without_an_assistant_message_is_all_prompt_and_keeps_its_own_keys()
    {
        var item = EvalItem.Parse(1, """{"messages":[{"role":"user","content":"What is six times seven?"}],"answer":"42"}""");

        Assert.Single(item.Messages);
        Assert.Null(item.Reference);
        Assert.Equal("What is six times seven?", item.Input);
        Assert.Equal(["answer", "input", "messages"], item.FieldNames.Order());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void A_line_that_is_not_an_object_is_a_format_error_naming_the_line(string line)
    {
        var error = Assert.Throws<FormatException>(() => EvalItem.Parse(9, line));

        Assert.StartsWith("line 9:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Templates_read_derived_fields_nested_paths_indexes_and_the_answer_as_json()
    {
        var line = """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"meta":{"tags":["a","b"],"n":3}}""";
        var grader = """
            {"type":"string_check","name":"t","operation":"eq","input":"{{sample.output_json.greeting}}|{{ item.meta.tags[1] }}|{{item.meta.n}}|{{ item.input }}",
             "reference":"{{ item.reference }}|b|3|Hi"}
            """;

        var grade = await Grading.One(grader, line, """{"greeting":"Hello"}""");

        Assert.True(grade.Passed, grade.Error);
    }

    [Fact]
    public async Task A_field_missing_on_this_item_is_an_error_grade_naming_the_path_and_line()
    {
        var item = EvalItem.Parse(3, """{"messages":[{"role":"user","content":"Hi"}]}""");
        var set = Grading.Parse("""[{"type":"string_check","name":"exact","operation":"eq","input":"{{ sample.output_text }}","reference":"{{ item.answer }}"}]""",
            new HashSet<string>(["messages", "input", "answer"]));

        var grade = Assert.Single(await set.GradeAsync(item, "42", new FakeModels(), CancellationToken.None));

        Assert.False(grade.Passed);
        Assert.Equal("{{ item.answer }}: item.answer is missing on line 3", grade.Error);
    }

    [Fact]
    public async Task Output_json_on_an_answer_that_is_not_json_is_an_error_grade()
    {
        var grade = await Grading.One("""{"type":"string_check","name":"j","operation":"eq","input":"{{ sample.output_json.a }}","reference":"1"}""", "{}", "not json");

        Assert.Equal("{{ sample.output_json.a }}: the answer is not JSON", grade.Error);
    }

    // Every JSON value is read as one, with the whitespace JSON allows before it; prose (which starts like no JSON value, or
    // like one and then is not) is not JSON.
    [Theory]
    [InlineData(" \r\n\t{\"a\": 1}", "1")]
    [InlineData("[1, 2]", "[1,2]")]
    [InlineData("\"text\"", "text")]
    [InlineData("-2.5", "-2.5")]
    [InlineData("true", "true")]
    [InlineData("null", "")]
    [InlineData("The answer is 1.", null)]
    [InlineData("no", null)]
    [InlineData("   ", null)]
    [InlineData("", null)]
    public async Task Output_json_is_the_answer_when_it_is_any_json_value(string answer, string? rendered)
    {
        var path = answer.TrimStart().StartsWith('{') ? "sample.output_json.a" : "sample.output_json";
        var grade = await Grading.One($$$"""{"type":"string_check","name":"j","operation":"eq","input":"{{ {{{path}}} }}","reference":"{{{rendered}}}"}""", "{}", answer);

        Assert.Equal(rendered is not null, grade.Passed);
        Assert.Equal(rendered is null ? $"{{{{ {path} }}}}: the answer is not JSON" : null, grade.Error);
    }
}
