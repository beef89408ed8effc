using System.Text;
using System.Text.Json;

namespace FineTune.Checker.Tests;

// One small file per problem code, with the problem on a known line, and a valid file that must not trigger any.
public sealed class DatasetCheckerTests
{
    private static string Good(int i) =>
        $$"""{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Question {{i}}?"},{"role":"assistant","content":"Answer {{i}}."}]}""";

    private static string Preference(int i) =>
        $$"""{"input":{"messages":[{"role":"user","content":"Q{{i}}"}]},"preferred_output":["""
        + $$"""{"role":"assistant","content":"Good {{i}}"}],"non_preferred_output":[{"role":"assistant","content":"Bad {{i}}"}]}""";

    private static string GoodLines(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => Good(i) + "\n"));

    private static Task<DatasetReport> Validate(string jsonl, DatasetCheckOptions? options = null) =>
        DatasetValidator.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), options);

    // The bad line is line 7 of 13.
    private static Task<DatasetReport> ValidateWithLine7(string badLine, DatasetCheckOptions? options = null) =>
        Validate(GoodLines(1, 6) + badLine + "\n" + GoodLines(8, 6), options);

    [Fact]
    public async Task A_varied_valid_file_has_no_errors_and_no_warnings()
    {
        var tools = """{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";
        var lines = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            lines.Add((i % 3) switch
            {
                0 => Good(i),
                1 => $$$"""{"tools":[{{{tools}}}],"parallel_tool_calls":false,"messages":[{"role":"developer","content":"Use tools."},{"role":"user","content":[{"type":"text","text":"Weather in Oslo {{{i}}}?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"call_{{{i}}}","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},{"role":"tool","tool_call_id":"call_{{{i}}}","content":"4 °C"},{"role":"assistant","content":"It is 4 °C ☁️ {{{i}}}.","weight":1}]}""",
                _ => $$"""{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Hi {{i}}","name":"ann"},{"role":"assistant","content":"Old answer","weight":0},{"role":"user","content":"Again"},{"role":"assistant","content":"Hello {{i}}."}]}""",
            });
        }

        var report = await Validate(string.Join("\n", lines) + "\n");

        Assert.True(report.Valid, string.Join("; ", report.Errors));
        Assert.Empty(report.Warnings);
        Assert.Equal("chat", report.Format);
        Assert.Equal(12, report.ExampleCount);
        Assert.Equal(4, report.Stats.ExamplesWithTools);
        Assert.NotNull(report.Tokens);
        Assert.NotNull(report.Estimate);
    }

    public static TheoryData<string, string> BadLines => new()
    {
        { "not json", DatasetCodes.InvalidJson },
        { "[1,2]", DatasetCodes.DataType },
        { """{"messages":["hi",{"role":"assistant","content":"x"}]}""", DatasetCodes.DataType },
        { """{"messages":[{"role":"user","content":42},{"role":"assistant","content":"x"}]}""", DatasetCodes.DataType },
        { """{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"x"}],"parallel_tool_calls":"yes"}""", DatasetCodes.DataType },
        { """{"prompt":"a","completion":"b"}""", DatasetCodes.MissingMessagesList },
        { """{"messages":{"role":"user"}}""", DatasetCodes.MissingMessagesList },
        { """{"messages":[{"content":"Hi"},{"role":"assistant","content":"Hello."}]}""", DatasetCodes.MessageMissingKey },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"},{"role":"tool","content":"1"}]}""", DatasetCodes.MessageMissingKey },
        { """{"messages":[{"role":"user","content":"Hi","mood":"x"},{"role":"assistant","content":"Hello."}]}""", DatasetCodes.MessageUnrecognizedKey },
        { """{"messages":[{"role":"human","content":"Hi"},{"role":"assistant","content":"Hello."}]}""", DatasetCodes.UnrecognizedRole },
        { """{"messages":[{"role":"user"},{"role":"assistant","content":"Hello."}]}""", DatasetCodes.MissingContent },
        { """{"messages":[{"role":"user","content":null},{"role":"assistant","content":"Hello."}]}""", DatasetCodes.MissingContent },
        { """{"messages":[{"role":"user","content":"Hi"}]}""", DatasetCodes.ExampleMissingAssistantMessage },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x","weight":2}]}""", DatasetCodes.InvalidWeight },
        { """{"messages":[{"role":"user","content":"Hi","weight":1},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidWeight },
        { """{"messages":[{"role":"user","content":[{"type":"audio","data":"x"}]},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidContentPart },
        { """{"messages":[{"role":"user","content":[{"type":"image_url","image_url":"u"}]},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidContentPart },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}""", DatasetCodes.InvalidToolCall },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]}""", DatasetCodes.InvalidToolCall },
        { """{"messages":[{"role":"user","content":"Hi","tool_calls":[]},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidToolCall },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c2","content":"1"},{"role":"assistant","content":"x"}]}""", DatasetCodes.ToolCallMismatch },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"user","content":"?"},{"role":"assistant","content":"x"}]}""", DatasetCodes.ToolCallMismatch },
        { """{"tools":[{"type":"function","function":{"name":"g"}}],"messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}]}""", DatasetCodes.ToolCallMismatch },
        { """{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"obj"}}}],"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidToolDefinition },
        { """{"tools":[{"type":"function","function":{"parameters":{"type":"object"}}}],"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidToolDefinition },
        { """{"functions":"f","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"}]}""", DatasetCodes.InvalidToolDefinition },
        { """{"messages":[{"role":"user","content":"Hi <|endoftext|>"},{"role":"assistant","content":"x"}]}""", DatasetCodes.SpecialToken },
        { """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"<|im_start|>x"}]}""", DatasetCodes.SpecialToken },
        { """{"input":{"messages":[{"role":"user","content":"Hi"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""", DatasetCodes.MixedFormats },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public async Task Each_problem_is_reported_at_its_line_with_its_code(string badLine, string code)
    {
        var report = await ValidateWithLine7(badLine);

        Assert.False(report.Valid);
        Assert.NotEmpty(report.Errors);
        Assert.All(report.Errors, error =>
        {
            Assert.Equal((7, code), (error.Line, error.Code));
            Assert.StartsWith("$", error.Path);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        });
    }

    [Fact]
    public async Task A_byte_order_mark_inside_the_file_is_reported_at_its_line()
    {
        var report = await ValidateWithLine7("\uFEFF" + Good(7));

        var error = Assert.Single(report.Errors);
        Assert.Equal((7, DatasetCodes.ByteOrderMark), (error.Line, error.Code));
    }

    [Fact]
    public async Task Invalid_utf8_is_reported_at_its_line()
    {
        var bytes = Encoding.UTF8.GetBytes(GoodLines(1, 6)).Concat("{\"x\":\""u8.ToArray()).Concat(new byte[] { 0xFF, 0xFE }).Concat("\"}\n"u8.ToArray())
            .Concat(Encoding.UTF8.GetBytes(GoodLines(8, 6))).ToArray();

        var report = await DatasetValidator.ValidateAsync(new MemoryStream(bytes), null);

        var error = Assert.Single(report.Errors);
        Assert.Equal((7, DatasetCodes.InvalidUtf8), (error.Line, error.Code));
    }

    [Fact]
    public async Task An_example_over_the_context_limit_is_reported()
    {
        var catalog = new ModelCatalog { Models = [new ModelEntry { Name = "tiny", ContextTokens = 40, TrainingPricePerMillionTokens = 1m }] };
        var longLine = $$"""{"messages":[{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("word", 60))}}"},{"role":"assistant","content":"x"}]}""";

        var report = await ValidateWithLine7(longLine, new DatasetCheckOptions { Model = "tiny", Catalog = catalog });

        var error = Assert.Single(report.Errors);
        Assert.Equal((7, DatasetCodes.ExampleTooLong), (error.Line, error.Code));
        Assert.Equal(1, report.Tokens!.ExamplesOverLimit);
        Assert.Equal(40, report.Tokens.ContextLimit);
        Assert.True(report.Tokens.Billable < report.Tokens.Total);
    }

    [Fact]
    public async Task The_context_limit_of_gpt_4_1_nano_is_smaller()
    {
        var longLine = $$"""{"messages":[{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("word", 40_000))}}"},{"role":"assistant","content":"x"}]}""";

        var nano = await ValidateWithLine7(longLine, new DatasetCheckOptions { Model = "gpt-4.1-nano" });
        var mini = await ValidateWithLine7(longLine, new DatasetCheckOptions { Model = "gpt-4.1-mini-2025-04-14" });

        Assert.Equal(DatasetCodes.ExampleTooLong, Assert.Single(nano.Errors).Code);
        Assert.True(mini.Valid);
        Assert.Equal((32_768, 65_536), (nano.Tokens!.ContextLimit, mini.Tokens!.ContextLimit));
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_reported_where_it_crosses_the_limit()
    {
        var text = GoodLines(1, 20);
        var limit = Encoding.UTF8.GetByteCount(GoodLines(1, 12)) - 5;

        var report = await Validate(text, new DatasetCheckOptions { MaxFileBytes = limit });

        var error = Assert.Single(report.Errors);
        Assert.Equal((12, DatasetCodes.FileTooLarge), (error.Line, error.Code));
    }

    [Fact]
    public async Task Weights_that_leave_nothing_to_learn_are_an_error()
    {
        var lines = string.Concat(Enumerable.Range(1, 10).Select(i =>
            $$"""{"messages":[{"role":"user","content":"Q{{i}}"},{"role":"assistant","content":"A{{i}}","weight":0}]}""" + "\n"));

        var report = await Validate(lines);

        var error = Assert.Single(report.Errors);
        Assert.Equal((10, DatasetCodes.NoTrainableTokens), (error.Line, error.Code));
        Assert.Equal(0, report.Tokens!.Trainable);
    }

    [Fact]
    public async Task Too_few_and_empty_are_file_level_errors_on_the_last_line()
    {
        Assert.Equal((9, DatasetCodes.TooFewExamples), Single(await Validate(GoodLines(1, 9))));
        Assert.Equal((3, DatasetCodes.EmptyFile), Single(await Validate("\n \n\n")));
        Assert.Equal((1, DatasetCodes.EmptyFile), Single(await Validate("")));

        static (int, string) Single(DatasetReport report) => Assert.Single(report.Errors) is var e ? (e.Line, e.Code) : default;
    }

    [Fact]
    public async Task A_preference_file_is_checked_as_preference()
    {
        var good = string.Concat(Enumerable.Range(1, 12).Select(i => Preference(i) + "\n"));
        var bad = string.Concat(Enumerable.Range(1, 6).Select(i => Preference(i) + "\n"))
            + """{"input":{"messages":[{"role":"user","content":"Q"}]},"preferred_output":[{"role":"assistant","content":"a"}]}""" + "\n"
            + """{"input":{"messages":[{"role":"user","content":"Q"}]},"preferred_output":[{"role":"user","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""" + "\n"
            + Good(9) + "\n"
            + string.Concat(Enumerable.Range(10, 6).Select(i => Preference(i) + "\n"));

        var valid = await Validate(good);
        var invalid = await Validate(bad);

        Assert.True(valid.Valid, string.Join("; ", valid.Errors));
        Assert.Equal("preference", valid.Format);
        Assert.Equal(12 * 2, valid.Stats.MessagesPerRole["assistant"]);
        Assert.Equal("preference", invalid.Format);
        Assert.Equal(
            [(7, DatasetCodes.PreferenceMissingKey), (8, DatasetCodes.InvalidPreferenceOutput), (9, DatasetCodes.MixedFormats)],
            invalid.Errors.Select(e => (e.Line, e.Code)));
    }

    [Fact]
    public async Task A_reinforcement_file_needs_no_assistant_and_reports_its_free_keys()
    {
        var lines = string.Concat(Enumerable.Range(1, 12).Select(i =>
            $$"""{"messages":[{"role":"user","content":"What is {{i}}+{{i}}?"}],"reference_answer":"{{2 * i}}","difficulty":"easy"}""" + "\n"));

        var report = await Validate(lines);

        Assert.True(report.Valid, string.Join("; ", report.Errors));
        Assert.Equal("reinforcement", report.Format);
        Assert.Equal(12, report.Stats.FreeKeys["reference_answer"]);
        Assert.Equal(12, report.Stats.FreeKeys["difficulty"]);
        Assert.Empty(report.Warnings);
        Assert.Null(report.Estimate);
    }

    // A chat example that lost its assistant answer but carries a bookkeeping key: it looks like reinforcement data.
    private static string NoAnswerWithId(int i) =>
        $$"""{"id":"q{{i}}","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Question {{i}}?"}]}""";

    [Fact]
    public async Task Checked_for_supervised_every_line_with_an_extra_key_and_no_assistant_message_is_reported()
    {
        var lines = GoodLines(1, 3) + string.Concat(Enumerable.Range(4, 9).Select(i => NoAnswerWithId(i) + "\n"));

        var report = await Validate(lines, new DatasetCheckOptions { Method = TrainingMethods.Supervised });

        Assert.False(report.Valid);
        Assert.Equal((TrainingMethods.Supervised, null), (report.Method, report.MethodAssumption));
        Assert.Equal(9, report.Stats.ErrorCounts[DatasetCodes.ExampleMissingAssistantMessage]);
        Assert.Equal(
            Enumerable.Range(4, 9).Select(line => (line, DatasetCodes.ExampleMissingAssistantMessage, "$.messages")),
            report.Errors.Select(e => (e.Line, e.Code, e.Path!)));
        Assert.Equal(Enumerable.Range(4, 9), report.Warnings.Where(w => w.Code == DatasetCodes.ExampleUnrecognizedKey && w.Path == "$.id").Select(w => w.Line));
    }

    [Fact]
    public async Task Without_a_method_the_report_says_which_it_assumed_and_why()
    {
        var lines = GoodLines(1, 3) + string.Concat(Enumerable.Range(4, 9).Select(i => NoAnswerWithId(i) + "\n"));

        var report = await Validate(lines);

        Assert.Equal(TrainingMethods.Reinforcement, report.Method);
        Assert.Equal("assumed reinforcement: 9 of 12 lines have messages without a final assistant message, beside other keys (id)", report.MethodAssumption);
        Assert.True(report.Valid, string.Join("; ", report.Errors));
    }

    [Fact]
    public async Task Lines_ending_with_an_assistant_message_are_assumed_supervised_whatever_keys_they_carry()
    {
        var lines = string.Concat(Enumerable.Range(1, 12).Select(i => $$"""{"id":"q{{i}}",{{Good(i)[1..]}}""" + "\n"));

        var report = await Validate(lines);

        Assert.Equal(TrainingMethods.Supervised, report.Method);
        Assert.Equal("assumed supervised: 12 of 12 lines have messages ending with an assistant message", report.MethodAssumption);
        Assert.Equal(12, report.Stats.WarningCounts[DatasetCodes.ExampleUnrecognizedKey]);
    }

    [Fact]
    public async Task Checked_for_a_method_every_line_of_the_other_shape_is_reported_as_not_fitting_it()
    {
        var preferences = string.Concat(Enumerable.Range(1, 12).Select(i => Preference(i) + "\n"));

        var asDpo = await Validate(GoodLines(1, 12), new DatasetCheckOptions { Method = TrainingMethods.Dpo });
        var asSupervised = await Validate(preferences, new DatasetCheckOptions { Method = TrainingMethods.Supervised });
        var assumed = await Validate(preferences);

        Assert.Equal(Enumerable.Range(1, 12).Select(line => (line, DatasetCodes.MethodMismatch)), asDpo.Errors.Select(e => (e.Line, e.Code)));
        Assert.Contains("dpo trains on preference examples", asDpo.Errors[0].Message);
        Assert.Equal(Enumerable.Range(1, 12).Select(line => (line, DatasetCodes.MethodMismatch)), asSupervised.Errors.Select(e => (e.Line, e.Code)));
        Assert.Equal(DatasetValidator.FormatChat, asSupervised.Format);
        Assert.True(assumed.Valid, string.Join("; ", assumed.Errors));
        Assert.Equal("assumed dpo: 12 of 12 lines are preference examples (input, preferred_output, non_preferred_output)", assumed.MethodAssumption);
    }

    [Fact]
    public async Task An_unknown_method_is_refused_naming_the_known_ones()
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => Validate(GoodLines(1, 12), new DatasetCheckOptions { Method = "sft" }));

        Assert.Contains("\"sft\" is not a fine-tuning method; use supervised, dpo or reinforcement.", refused.Message);
    }

    [Fact]
    public async Task Warnings_point_at_suspicious_lines()
    {
        var lines = GoodLines(1, 6)
            + Good(2) + "\n"                                                                                           // 7: duplicate of 2
            + """{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"Only me."}]}""" + "\n"   // 8: no user
            + """{"messages":[{"role":"user","content":"No system"},{"role":"assistant","content":"Fine."}]}""" + "\n" // 9: no system, others have one
            + """{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}],"meta":1}""" + "\n" // 10: unknown key
            + GoodLines(11, 3);

        var report = await Validate(lines, new DatasetCheckOptions { Model = "gpt-9" });

        Assert.True(report.Valid, string.Join("; ", report.Errors));
        Assert.Equal(
            [
                (0, DatasetCodes.UnknownModel), (7, DatasetCodes.DuplicateExample), (8, DatasetCodes.MissingUserMessage),
                (9, DatasetCodes.MissingSystemMessage), (10, DatasetCodes.ExampleUnrecognizedKey),
            ],
            report.Warnings.Select(w => (w.Line, w.Code)));
        Assert.Contains("line 2", report.Warnings[1].Message);
    }

    [Fact]
    public async Task Identical_answers_and_uneven_lengths_are_warned_about()
    {
        var same = string.Concat(Enumerable.Range(1, 10).Select(i =>
            $$"""{"messages":[{"role":"user","content":"Q{{i}}"},{"role":"assistant","content":"I cannot help."}]}""" + "\n"));
        var longOne = $$"""{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("word", 2000))}}"},{"role":"assistant","content":"ok"}]}""";
        var uneven = GoodLines(1, 11) + longOne + "\n";

        var sameReport = await Validate(same);
        var unevenReport = await Validate(uneven);

        Assert.Equal((1, DatasetCodes.IdenticalAssistantAnswers), Assert.Single(sameReport.Warnings) is var w ? (w.Line, w.Code) : default);
        Assert.Equal((12, DatasetCodes.UnevenLengths), Assert.Single(unevenReport.Warnings) is var u ? (u.Line, u.Code) : default);
    }

    [Fact]
    public async Task Tokens_are_counted_as_the_cookbook_does()
    {
        // 3 priming + per message 3 + role + content: user "Hi" (1+1), assistant "Hello." (1+2); a name adds its tokens + 1.
        var lines = string.Concat(Enumerable.Repeat("""{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}""" + "\n", 10));
        var named = string.Concat(Enumerable.Repeat("""{"messages":[{"role":"user","content":"Hi","name":"bob"},{"role":"assistant","content":"Hello."}]}""" + "\n", 10));

        var report = await Validate(lines);
        var namedReport = await Validate(named);

        var tokens = report.Tokens!;
        Assert.Equal("o200k_base", tokens.Encoding);
        Assert.Equal(140, tokens.Total);
        Assert.Equal(20, tokens.Trainable);
        Assert.Equal(140, tokens.Billable);
        Assert.Equal(new Distribution(14, 14, 14, 14, 14, 14), tokens.PerExample);
        Assert.Equal(10, tokens.Histogram.Sum(b => b.Count));
        Assert.Equal(160, namedReport.Tokens!.Total);
    }

    // The checker splits text into words itself (its own pattern per thread); the counts must stay the library's, to the token.
    [Theory]
    [InlineData("It's THEY'RE we'll I'D don't")]
    [InlineData("Numbers 1234567 and 3.14159, 2026-12-02; ½ ² ٣")]
    [InlineData("   leading and trailing spaces   \t\ttabs\r\n\r\nnew lines\n\n\n  ")]
    [InlineData("def add(a, b):\n    return a + b  # sum\n\n\tprint(add(1, 2))")]
    [InlineData("日本語の文章 and 中文测试, Привет мир, γειά σου, مرحبا, שלום, नमस्ते, 안녕하세요")]
    [InlineData("Emoji 🚀😀👍🏽✅ and marks: e\u0301 cafe\u0301 naïve … “quoted” — dash")]
    [InlineData("A special token <|endoftext|> in the middle")]
    [InlineData("URLs https://example.com/a/b?c=d&e=f and paths C:\\Users\\me /usr/bin/env")]
    public async Task Token_counts_are_the_tokenizers_for_any_text(string text)
    {
        var tokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base");
        var line = JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = text }, new { role = "assistant", content = "ok" } } });

        var report = await Validate(string.Concat(Enumerable.Repeat(line + "\n", 10)));

        var expected = 3 + (3 + tokenizer.CountTokens("user") + tokenizer.CountTokens(text)) + (3 + tokenizer.CountTokens("assistant") + tokenizer.CountTokens("ok"));
        Assert.Equal(expected * 10, report.Tokens!.Total);
    }

    [Fact]
    public async Task The_estimate_uses_the_default_epochs_and_the_price_table()
    {
        var report = await Validate(GoodLines(1, 20), new DatasetCheckOptions { Model = "gpt-4o" });

        var estimate = report.Estimate!;
        Assert.Equal(5, estimate.Epochs); // 20 examples x 3 < 100, so 100 / 20
        Assert.Equal(report.Tokens!.Billable * 5, estimate.TrainedTokens);
        Assert.Equal(25m, estimate.PricePerMillionTokens);
        Assert.Equal(Math.Round(estimate.TrainedTokens * 25m / 1_000_000m, 2), estimate.Cost);
    }

    [Theory]
    [InlineData(1, 25)]
    [InlineData(10, 10)]
    [InlineData(34, 3)]
    [InlineData(1000, 3)]
    [InlineData(8333, 3)]
    [InlineData(8334, 2)]
    [InlineData(10_000, 2)]
    [InlineData(30_000, 1)]
    public void Default_epochs_follow_the_cookbook(int examples, int epochs) =>
        Assert.Equal(epochs, TrainingEstimate.DefaultEpochs(examples));

    [Theory]
    [InlineData("gpt-4o", "gpt-4o")]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("ft:gpt-4.1-nano-2025-04-14:acme::abc123", "gpt-4.1-nano")]
    [InlineData("GPT-4.1", "gpt-4.1")]
    [InlineData("gpt-4o-turbo", null)]
    [InlineData("llama", null)]
    public void The_catalog_finds_models_by_snapshot_and_fine_tuned_names(string name, string? expected) =>
        Assert.Equal(expected, ModelCatalog.Default.Find(name)?.Name);

    [Fact]
    public async Task The_report_is_the_same_whatever_the_threads_and_batches()
    {
        var random = new Random(7);
        var lines = new StringBuilder();
        for (var i = 1; i <= 3000; i++)
        {
            lines.Append(random.Next(10) switch
            {
                0 => "not json",
                1 => """{"messages":[{"role":"user","content":"Hi"}]}""",
                2 => Good(i % 50),
                3 => """{"messages":[{"role":"robot","content":"Hi"},{"role":"assistant","content":"x"}]}""",
                _ => Good(i),
            }).Append('\n');
        }
        var text = lines.ToString();

        var one = await Validate(text, new DatasetCheckOptions { MaxDegreeOfParallelism = 1 });
        var many = await Validate(text, new DatasetCheckOptions { MaxDegreeOfParallelism = 4, BatchBytes = 4096 });

        Assert.Equal(FineTuneJson.Serialize(one), FineTuneJson.Serialize(many));
        Assert.Equal(DatasetValidator.MaxErrorsPerCode, one.Errors.Count(e => e.Code == DatasetCodes.InvalidJson && e.Line > 0));
        Assert.True(one.Stats.ErrorCounts[DatasetCodes.InvalidJson] > DatasetValidator.MaxErrorsPerCode);
        Assert.Equal(one.Errors.Where(e => e.Line > 0).OrderBy(e => e.Line).Select(e => e.Line), one.Errors.Where(e => e.Line > 0).Select(e => e.Line));
    }

    [Fact]
    public async Task Lines_longer_than_a_batch_and_crlf_endings_are_read_whole()
    {
        var longLine = $$"""{"messages":[{"role":"user","content":"{{new string('a', 20_000)}}"},{"role":"assistant","content":"x"}]}""";
        var text = (GoodLines(1, 5) + longLine + "\n" + GoodLines(7, 5)).Replace("\n", "\r\n").TrimEnd();

        var report = await Validate(text, new DatasetCheckOptions { BatchBytes = 1024 });

        Assert.True(report.Valid, string.Join("; ", report.Errors));
        Assert.Equal((11, 11), (report.ExampleCount, report.Stats.Lines));
    }

    [Fact]
    public async Task The_report_serializes_in_the_documented_shape()
    {
        var report = await Validate(GoodLines(1, 10));

        using var json = JsonDocument.Parse(FineTuneJson.Serialize(report));
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["valid", "method", "methodAssumption", "format", "exampleCount", "errors", "warnings", "stats", "tokens", "estimate"], names);
        var roundTrip = FineTuneJson.Deserialize<DatasetReport>(FineTuneJson.Serialize(report));
        Assert.Equal(report.Tokens!.Total, roundTrip.Tokens!.Total);
    }
}
