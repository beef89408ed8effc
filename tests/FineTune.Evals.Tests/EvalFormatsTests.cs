using System.Text.Json;

namespace FineTune.Evals.Tests;

public sealed class EvalFormatsTests
{
    // An eval as OpenAI's API returns it (the shape of the Evals guide's ticket example), with a label_model whose
    // input messages carry OpenAI's input_text parts.
    private const string OpenAIEval = """
        {
          "object": "eval",
          "id": "eval_67abd54d9b0081909a86353f6fb9317a",
          "data_source_config": {
            "type": "custom",
            "schema": {"type": "object", "properties": {"item": {"type": "object"}, "sample": {"type": "object"}}},
            "item_schema": {"type": "object", "properties": {"ticket_text": {"type": "string"}, "correct_label": {"type": "string"}},
                            "required": ["ticket_text", "correct_label"]},
            "include_sample_schema": true
          },
          "testing_criteria": [
            {"name": "Match output to human label", "id": "Match output to human label-c4fdf789-2fa5-407f-8a41-a6f4f9afd482",
             "type": "string_check", "input": "{{ sample.output_text }}", "reference": "{{ item.correct_label }}", "operation": "eq"},
            {"name": "Polite", "type": "label_model", "model": "gpt-4.1-mini-2025-04-14", "labels": ["polite", "rude"], "passing_labels": ["polite"],
             "input": [
               {"type": "message", "role": "developer", "content": {"type": "input_text", "text": "Classify the reply's tone."}},
               {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Ticket: {{ item.ticket_text }}\n"},
                                                                {"type": "input_text", "text": "Reply: {{ sample.output_text }}"}]}
             ]}
          ],
          "name": "IT Ticket Categorization",
          "created_at": 1740428621,
          "metadata": {}
        }
        """;

    [Fact]
    public void An_openai_eval_imports_as_graders_that_parse_against_its_items()
    {
        using var document = JsonDocument.Parse(OpenAIEval);

        var (name, graders, passThreshold) = EvalFormats.ImportOpenAI(document.RootElement);
        var set = GraderSet.Parse(graders, new HashSet<string>(["ticket_text", "correct_label"]), out var problems);

        Assert.Equal("IT Ticket Categorization", name);
        Assert.Null(passThreshold);
        Assert.Empty(problems);
        Assert.Equal(["Match output to human label", "Polite"], set.Names);
        Assert.False(graders[0].TryGetProperty("id", out _));
        Assert.Equal("{{ item.correct_label }}", graders[0].GetProperty("reference").GetString());
        var messages = graders[1].GetProperty("input");
        Assert.Equal("Classify the reply's tone.", messages[0].GetProperty("content").GetString());
        Assert.Equal("Ticket: {{ item.ticket_text }}\nReply: {{ sample.output_text }}", messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task An_imported_eval_grades_as_it_did_at_openai()
    {
        using var document = JsonDocument.Parse(OpenAIEval);
        var (_, graders, _) = EvalFormats.ImportOpenAI(document.RootElement);
        var item = EvalItem.Parse(1, """{"ticket_text":"My monitor won't turn on!","correct_label":"Hardware"}""");
        var set = GraderSet.Parse(graders, item.FieldNames, out _);
        var judge = new FakeModels("""{"label":"polite","reasoning":"Courteous."}""");

        var grades = await set.GradeAsync(item, "Hardware", judge, CancellationToken.None);

        Assert.All(grades, grade => Assert.True(grade.Passed, grade.Error));
        Assert.Equal("Ticket: My monitor won't turn on!\nReply: Hardware", judge.Asked[0].Messages[1].Content);
    }

    [Theory]
    [InlineData("""{"object":"eval","testing_criteria":[{"type":"string_check"}]}""", "the eval has no name")]
    [InlineData("""{"object":"eval.run","name":"x"}""", "this is an OpenAI 'eval.run', not an 'eval'")]
    [InlineData("""{"object":"eval","name":"x","testing_criteria":[]}""", "the eval has no testing_criteria")]
    [InlineData("""{"name":"x","testing_criteria":[{"type":"python","name":"code","source":"def grade(s, i): return 1"}]}""",
        "testing criterion 'code' is a python grader, which FineTune does not run")]
    [InlineData("""{"name":"x","testing_criteria":[{"type":"label_model","name":"img","input":[{"role":"user","content":{"type":"input_image","image_url":"u"}}]}]}""",
        "testing criterion 'img' has an input message whose content is not text (FineTune's judges take text only)")]
    public void What_cannot_be_imported_is_a_format_error_saying_what(string json, string message)
    {
        using var document = JsonDocument.Parse(json);

        var error = Assert.Throws<FormatException>(() => EvalFormats.ImportOpenAI(document.RootElement));

        Assert.Equal(message, error.Message);
    }

    private const string Graders = """
        [
          {"type":"string_check","name":"exact","input":"{{ sample.output_text }}","reference":"{{ item.reference }}","operation":"eq"},
          {"type":"string_check","name":"mentions","input":"{{sample.output_text}}","reference":"{{ item.city }}","operation":"ilike"},
          {"type":"text_similarity","name":"close","input":"{{ sample.output_text }}","reference":"{{ item.reference }}","evaluation_metric":"bleu","pass_threshold":0.4},
          {"type":"text_similarity","name":"fuzzy","input":"{{ sample.output_text }}","reference":"{{ item.reference }}","evaluation_metric":"fuzzy_match","pass_threshold":0.8},
          {"type":"regex","name":"digits","pattern":"\\d+ \"people\""},
          {"type":"json_schema","name":"shape","schema":{"type":"object","required":["city"]}},
          {"type":"score_model","name":"judge","model":"gpt-4.1","range":[1,5],"pass_threshold":4,
           "input":[{"role":"user","content":"Question: {{ item.input }}\nAnswer: {{ sample.output_text }}\nScore 1 to 5."}]},
          {"type":"multi","name":"both","graders":{"a":{"type":"regex","pattern":"a"}},"calculate_output":"a"}
        ]
        """;

    [Fact]
    public void Promptfoo_export_maps_each_grader_it_can_and_names_the_rest()
    {
        using var document = JsonDocument.Parse(Graders);

        var yaml = EvalFormats.ExportPromptfoo("Cities \"v2\"", "tests/cities.jsonl", document.RootElement, "ft:gpt-4.1-mini:acme::abc");

        Assert.Contains("# Promptfoo config for the FineTune eval \"Cities \\\"v2\\\"\", exported by FineTune.\n", yaml, StringComparison.Ordinal);
        Assert.Contains("# Not exported, as Promptfoo has no equivalent:\n#   'fuzzy' (text_similarity): Promptfoo has no fuzzy_match", yaml, StringComparison.Ordinal);
        Assert.Contains("#   'both' (multi): a multi grader's formula has no Promptfoo equivalent\n", yaml, StringComparison.Ordinal);
        Assert.Contains("description: \"Cities \\\"v2\\\"\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("prompts:\n  - \"{{ messages | dump }}\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("providers:\n  - id: \"openai:chat:ft:gpt-4.1-mini:acme::abc\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("tests: \"file://tests/cities.jsonl\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    transformVars: |\n      const all = Array.isArray(vars.messages)", yaml, StringComparison.Ordinal);
        Assert.Contains("    - type: equals\n      metric: \"exact\"\n      value: \"{{ reference }}\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    - type: icontains\n      metric: \"mentions\"\n      value: \"{{ city }}\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    - type: bleu\n      metric: \"close\"\n      value: \"{{ reference }}\"\n      threshold: 0.4\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    - type: regex\n      metric: \"digits\"\n      value: \"\\\\d+ \\\"people\\\"\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    - type: is-json\n      metric: \"shape\"\n      value: {\"type\":\"object\",\"required\":[\"city\"]}\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    - type: llm-rubric\n      metric: \"judge\"\n      value: \"A score from 1 to 5, passing at 4\"\n      threshold: 0.75\n"
            + "      provider: \"openai:chat:gpt-4.1\"\n      rubricPrompt:\n        - role: \"user\"\n"
            + "          content: \"Question: {{ input }}\\nAnswer: {{ output }}\\nScore 1 to 5.\"\n", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("fuzzy_match\n    - type", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("metric: \"both\"", yaml, StringComparison.Ordinal);
    }
}
