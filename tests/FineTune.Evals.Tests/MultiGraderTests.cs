namespace FineTune.Evals.Tests;

public sealed class MultiGraderTests
{
    // OpenAI's documented multigrader: a fuzzy name and an exact email, averaged.
    private const string NameAndEmail = """
        {"type":"multi","name":"contact","calculate_output":"(name + email) / 2",
         "graders":{"name":{"name":"name_grader","type":"text_similarity","input":"{{sample.output_json.name}}","reference":"{{item.name}}",
                            "evaluation_metric":"fuzzy_match","pass_threshold":0.9},
                    "email":{"name":"email_grader","type":"string_check","input":"{{sample.output_json.email}}","reference":"{{item.email}}","operation":"eq"}}}
        """;

    private const string Person = """{"name":"John Doe","email":"john.doe@gmail.com"}""";

    [Fact]
    public async Task A_multi_grades_its_sub_graders_first_then_combines_their_scores()
    {
        var grades = await Grading.Run($"[{NameAndEmail}]", Person, """{"name":"Jon Doe","email":"john.doe@gmail.com"}""");

        Assert.Equal(["contact.name", "contact.email", "contact"], grades.Select(g => g.Name));
        // fuzzy_match("Jon Doe", "John Doe") = 2·7 / (7 + 8) = 14/15.
        Assert.Equal(14.0 / 15, grades[0].Score, 12);
        Assert.Equal(1, grades[1].Score);
        Assert.Equal((14.0 / 15 + 1) / 2, grades[2].Score, 12);
        Assert.True(grades[2].Passed);
    }

    [Fact]
    public async Task Without_a_pass_threshold_a_multi_passes_when_every_sub_grader_passed()
    {
        var grades = await Grading.Run($"[{NameAndEmail}]", Person, """{"name":"John Doe","email":"jd@example.com"}""");

        Assert.Equal(0.5, grades[2].Score);
        Assert.False(grades[2].Passed);
    }

    // "record or sentence": the answer is a sentence, so the record sub-grader fails, and the multi, the item's one testing
    // criterion, passes. The item passes on its top-level graders alone.
    [Fact]
    public async Task An_item_passes_on_its_top_level_graders_and_a_failing_sub_grader_only_feeds_the_formula()
    {
        const string RecordOrSentence = """
            [{"type":"multi","name":"format","calculate_output":"max(record, sentence)","pass_threshold":1,
              "graders":{"record":{"type":"regex","pattern":"^\\{"},"sentence":{"type":"regex","pattern":"\\.$"}}},
             {"type":"string_check","name":"exact","input":"{{ sample.output_text }}","reference":"Paris.","operation":"eq"}]
            """;

        var grades = await Grading.Run(RecordOrSentence, "{}", "Paris.");

        Assert.Equal([("format.record", "format", false), ("format.sentence", "format", true), ("format", null, true), ("exact", null, true)],
            grades.Select(g => (g.Name, g.PartOf, g.Passed)));
        Assert.True(EvalGrade.ItemPassed(grades));
        Assert.False(EvalGrade.ItemPassed(await Grading.Run(RecordOrSentence, "{}", "Lyon.")));
        Assert.Null(EvalGrade.ItemPassed([.. grades, new EvalGrade("judge", 0, false, Error: "the judge did not answer")]));
    }

    [Fact]
    public async Task A_sub_grader_error_makes_the_multi_an_error()
    {
        var grades = await Grading.Run($"[{NameAndEmail}]", Person, "not json");

        Assert.Equal("sub-grader 'name' could not grade: {{ sample.output_json.name }}: the answer is not JSON", grades[2].Error);
    }

    // a is a regex grader matching "x", b one matching "y": on the answer "xy" both score 1.
    [Theory]
    [InlineData("a + b * 2", 3)]
    [InlineData("(a + b) * 2", 4)]
    [InlineData("-2^2 + b", -3)]
    [InlineData("2^3^2 * b", 512)]
    [InlineData("min(a, b, 0.25) + max(a, b)", 1.25)]
    [InlineData("abs(a - 2) + floor(1.7) + ceil(0.2)", 3)]
    [InlineData("sqrt(4) * exp(0) + log(1)", 2)]
    public async Task Calculate_output_has_openai_operators_and_functions(string formula, double expected)
    {
        var grade = (await Grading.Run($"[{Multi(formula)}]", "{}", "xy"))[^1];

        Assert.True(grade.Error is null, grade.Error);
        Assert.Equal(expected, grade.Score, 12);
    }

    [Fact]
    public async Task A_formula_that_divides_by_zero_is_an_error_grade()
    {
        var grade = (await Grading.Run($"[{Multi("a / b")}]", "{}", "x"))[^1];

        Assert.Equal("calculate_output \"a / b\" is not a finite number for these scores", grade.Error);
    }

    private static string Multi(string formula) => $$$"""
        {"type":"multi","name":"m","calculate_output":"{{{formula}}}","pass_threshold":0,
         "graders":{"a":{"type":"regex","pattern":"x"},"b":{"type":"regex","pattern":"y"} } }
        """;
}
