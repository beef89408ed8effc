namespace FineTune.Evals.Tests;

// Problems found before anything runs: one message per problem, naming the grader (name and type) and the field.
public sealed class GraderSetParseTests
{
    [Fact]
    public void A_template_naming_a_field_the_items_lack_is_a_problem()
    {
        var problems = Grading.Problems("""
            [{"type":"string_check","name":"exact","operation":"eq","input":"{{ sample.output_text }}","reference":"{{ item.answer }}"}]
            """, "messages", "reference", "input");

        Assert.Equal(["grader 'exact' (string_check): template {{ item.answer }} names a field the items do not have"], problems);
    }

    [Fact]
    public void Each_problem_of_each_grader_has_its_own_message()
    {
        var problems = Grading.Problems("""
            [
              {"type":"magic","name":"m"},
              {"type":"string_check","name":"exact","input":"{{ sample.output_text }}","reference":"x"},
              {"type":"string_check","name":"op","operation":"equals","input":"{{ sample.output_tools }}","reference":"{{ foo.bar }}"},
              {"type":"text_similarity","name":"sim","input":"{{ sample.output_text }}","reference":"{{ item.answer }}","evaluation_metric":"rouge_9"},
              {"type":"regex","pattern":"("}
            ]
            """, "answer");

        Assert.Equal(
        [
            "grader 'm' (magic): unknown grader type 'magic' (FineTune has string_check, text_similarity, score_model, label_model, multi, json_schema, "
                + "regex)",
            "grader 'exact' (string_check): missing required key 'operation'",
            "grader 'op' (string_check): template {{ sample.output_tools }} names a sample field FineTune does not have (it has output_text, output_json)",
            "grader 'op' (string_check): template {{ foo.bar }} is not a path like {{ item.field }} or {{ sample.output_text }}",
            "grader 'op' (string_check): operation 'equals' is not one of eq, ne, like, ilike",
            "grader 'sim' (text_similarity): evaluation_metric 'rouge_9' is not one of fuzzy_match, bleu, gleu, meteor, cosine, rouge_1, rouge_2, rouge_3, "
                + "rouge_4, rouge_5, rouge_l",
            "grader 'sim' (text_similarity): missing required key 'pass_threshold'",
            "grader '#5' (regex): missing required key 'name'",
            "grader '#5' (regex): pattern is not a valid regular expression: Invalid pattern '(' at offset 1. Not enough )'s.",
        ], problems);
    }

    [Fact]
    public void Judge_graders_are_checked_for_their_model_messages_labels_and_range()
    {
        var problems = Grading.Problems("""
            [
              {"type":"label_model","name":"tone","input":[{"role":"user","content":"{{ item.question }}"}],"labels":["good","bad"],"passing_labels":["great"]},
              {"type":"score_model","name":"judge","model":"gpt-4.1","input":[{"role":"robot","content":"x"},
                {"role":"user","content":{"type":"input_image","image_url":"u"}}],"range":[1,0]}
            ]
            """, "answer");

        Assert.Equal(
        [
            "grader 'tone' (label_model): missing required key 'model'",
            "grader 'tone' (label_model): template {{ item.question }} names a field the items do not have",
            "grader 'tone' (label_model): passing label 'great' is not one of the labels",
            "grader 'judge' (score_model): input message role 'robot' is not one of system, developer, user, assistant",
            "grader 'judge' (score_model): input message content must be text (a string, an input_text or output_text part, or a list of them)",
            "grader 'judge' (score_model): 'range' must be two numbers, the lower first",
        ], problems);
    }

    [Fact]
    public void A_multi_formula_may_name_only_its_graders_and_may_not_hold_a_multi()
    {
        var problems = Grading.Problems("""
            [{"type":"multi","name":"combined","calculate_output":"a + b * 2",
              "graders":{"a":{"type":"string_check","input":"{{ sample.output_text }}","reference":"x","operation":"eq"},
                         "inner":{"type":"multi","graders":{"c":{"type":"regex","pattern":"x"}},"calculate_output":"c"}}}]
            """);

        Assert.Equal(
        [
            "grader 'combined' (multi): sub-grader 'inner' is a multi grader; a multi cannot hold another",
            "grader 'combined' (multi): calculate_output \"a + b * 2\" at 5: 'b' is not one of its graders (a, inner)",
        ], problems);
    }

    [Fact]
    public void Two_graders_with_one_name_are_a_problem()
    {
        var problems = Grading.Problems("""[{"type":"regex","name":"r","pattern":"a"},{"type":"regex","name":"r","pattern":"b"}]""");

        Assert.Equal(["grader 'r': 2 graders have this name; each needs its own"], problems);
    }

    [Fact]
    public void Graders_must_be_a_list()
    {
        Assert.Equal(["graders: expected a list of graders"], Grading.Problems("""{"type":"regex"}"""));
    }
}
