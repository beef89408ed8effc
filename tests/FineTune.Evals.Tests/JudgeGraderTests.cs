namespace FineTune.Evals.Tests;

// score_model and label_model against a fake judge with fixed replies, well-formed and not.
public sealed class JudgeGraderTests
{
    private const string Item = """{"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}""";

    // OpenAI's documented score_model example, with its reference_answer as FineTune's item.reference.
    private const string ScoreModel = """
        {"type":"score_model","name":"my_score_model","model":"o4-mini-2025-04-16","connection_id":"judges","range":[0,1],"pass_threshold":0.5,
         "input":[{"role":"system","content":"You are an expert grader. If the reference and model answer are exact matches, output a score of 1."},
                  {"role":"user","content":"Reference: {{ item.reference }}. Model answer: {{ sample.output_text }}"}],
         "sampling_params":{"max_completions_tokens":32768,"top_p":1,"seed":42,"temperature":0,"reasoning_effort":"medium"}}
        """;

    [Fact]
    public async Task Score_model_asks_the_judge_with_rendered_messages_and_reads_result_and_steps()
    {
        var judge = new FakeModels("""{"result": 0.8, "steps": [{"description": "compare", "conclusion": "Same number, different words."}]}""");

        var grade = await Grading.One(ScoreModel, Item, "four", judge);

        Assert.Equal(new EvalGrade("my_score_model", 0.8, true, Reasoning: "Same number, different words."), grade);
        var (connection, model, messages, sampling) = Assert.Single(judge.Asked);
        Assert.Equal("judges", connection);
        Assert.Equal("o4-mini-2025-04-16", model);
        Assert.Equal("Reference: 4. Model answer: four", messages[1].Content);
        Assert.Contains("\"result\"", messages[^1].Content, StringComparison.Ordinal);
        Assert.Equal(new EvalSampling(0, 32768, 42) { TopP = 1, ReasoningEffort = "medium" }, sampling);
    }

    [Theory]
    [InlineData("0.3", 0.3, false)]
    [InlineData("Score: 0.9 — close.", 0.9, true)]
    [InlineData("```json\n{\"score\": \"0.5\"}\n```", 0.5, true)]
    [InlineData("I would say 1.", 1, true)]
    public async Task Score_model_reads_a_score_from_replies_in_other_shapes(string reply, double score, bool passes)
    {
        var grade = await Grading.One(ScoreModel, Item, "four", new FakeModels(reply));

        Assert.Null(grade.Error);
        Assert.Equal(score, grade.Score);
        Assert.Equal(passes, grade.Passed);
    }

    [Theory]
    [InlineData("It is quite good.", "the judge's reply has no score: \"It is quite good.\"")]
    [InlineData("Between 0 and 1, I say 0.7.", "the judge's reply has no score: \"Between 0 and 1, I say 0.7.\"")]
    [InlineData("""{"result": 7}""", "the judge's score 7 is outside the range [0, 1]")]
    public async Task Score_model_replies_without_a_usable_score_are_error_grades(string reply, string error)
    {
        var grade = await Grading.One(ScoreModel, Item, "four", new FakeModels(reply));

        Assert.False(grade.Passed);
        Assert.Equal(error, grade.Error);
    }

    // OpenAI's documented label_model example.
    private const string LabelModel = """
        {"type":"label_model","name":"my_label_model","model":"o3-mini-2024-01-31","passing_labels":["good"],"labels":["good","bad"],
         "input":[{"role":"system","content":"You are an expert grader."},
                  {"role":"user","content":"Classify this: {{ sample.output_text }} as either good or bad, where closer to 1 is good."}]}
        """;

    [Theory]
    [InlineData("""{"label": "good", "reasoning": "close to 1"}""", "good", true)]
    [InlineData("Bad.", "bad", false)]
    [InlineData("I'd call this GOOD overall", "good", true)]
    public async Task Label_model_passes_on_a_passing_label(string reply, string label, bool passes)
    {
        var judge = new FakeModels(reply);

        var grade = await Grading.One(LabelModel, "{}", "0.9", judge);

        Assert.Null(grade.Error);
        Assert.Equal(label, grade.Label);
        Assert.Equal(passes, grade.Passed);
        Assert.Equal(passes ? 1 : 0, grade.Score);
        Assert.Equal("Classify this: 0.9 as either good or bad, where closer to 1 is good.", judge.Asked[0].Messages[1].Content);
    }

    [Theory]
    [InlineData("""{"label": "meh"}""")]
    [InlineData("good or bad, hard to say")]
    [InlineData("no idea")]
    public async Task Label_model_replies_naming_no_single_label_are_error_grades(string reply)
    {
        var grade = await Grading.One(LabelModel, "{}", "0.9", new FakeModels(reply));

        Assert.False(grade.Passed);
        Assert.StartsWith("the judge's reply names none of the labels (\"good\", \"bad\")", grade.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_judge_that_fails_is_an_error_grade_and_the_next_grader_still_runs()
    {
        var judge = new FakeModels { Failure = new HttpRequestException("502 Bad Gateway") };

        var grades = await Grading.Run($$"""[{{LabelModel}}, {"type":"regex","name":"digits","pattern":"\\d"}]""", "{}", "0.9", judge);

        Assert.Equal("502 Bad Gateway", grades[0].Error);
        Assert.True(grades[1].Passed);
    }

    [Fact]
    public async Task Cancellation_is_not_a_grade()
    {
        var item = EvalItem.Parse(1, "{}");
        var set = Grading.Parse($"[{LabelModel}]", item.FieldNames);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => set.GradeAsync(item, "0.9", new FakeModels("good"), new CancellationToken(canceled: true)));
    }
}
