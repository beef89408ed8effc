using System.Globalization;

namespace FineTune.Evals.Tests;

public sealed class TextGraderTests
{
    private const string Item = """{"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"}]}""";

    private static string StringCheck(string operation) =>
        $$$"""{"type":"string_check","name":"s","operation":"{{{operation}}}","input":"{{ sample.output_text }}","reference":"{{ item.reference }}"}""";

    [Theory]
    [InlineData("eq", "Paris", true)]
    [InlineData("eq", "paris", false)]
    [InlineData("ne", "Lyon", true)]
    [InlineData("ne", "Paris", false)]
    [InlineData("like", "It is Paris.", true)]
    [InlineData("like", "It is PARIS.", false)]
    [InlineData("ilike", "It is PARIS.", true)]
    [InlineData("ilike", "It is Lyon.", false)]
    public async Task String_check_scores_one_or_zero(string operation, string answer, bool passes)
    {
        var grade = await Grading.One(StringCheck(operation), Item, answer);

        Assert.Equal(passes, grade.Passed);
        Assert.Equal(passes ? 1 : 0, grade.Score);
        Assert.Null(grade.Error);
    }

    private static Task<EvalGrade> Similarity(string metric, string answer, string reference, double threshold = 0.5) => Grading.One(
        $$$"""{"type":"text_similarity","name":"sim","evaluation_metric":"{{{metric}}}","pass_threshold":{{{threshold.ToString(CultureInfo.InvariantCulture)}}},"input":"{{ sample.output_text }}","reference":"{{ item.ref }}"}""",
        $$"""{"ref":"{{reference}}"}""", answer);

    [Fact]
    public async Task Fuzzy_match_is_rapidfuzz_ratio_over_one()
    {
        // rapidfuzz's documented example: fuzz.ratio("this is a test", "this is a test!") = 96.55172413793103, that is
        // 2·14 / (14 + 15) = 28/29.
        var grade = await Similarity("fuzzy_match", "this is a test", "this is a test!", threshold: 0.96);

        Assert.Equal(28.0 / 29, grade.Score, 12);
        Assert.True(grade.Passed);
        Assert.False((await Similarity("fuzzy_match", "this is a test", "this is a test!", threshold: 0.97)).Passed);
    }

    // fuzzy_match and rouge_l count the longest common subsequence 64 symbols to a machine word; the textbook table says
    // what it must be, on texts long enough to take several words, in symbols outside the BMP too.
    [Fact]
    public async Task Fuzzy_match_and_rouge_l_agree_with_the_textbook_longest_common_subsequence()
    {
        var random = new Random(7);
        string[] symbols = ["a", "b", "c", "d", " ", "é", "🙂"];
        string Text(int length) => string.Concat(Enumerable.Range(0, length).Select(_ => symbols[random.Next(symbols.Length)]));
        foreach (var (first, second) in new[] { (0, 5), (1, 1), (63, 64), (64, 65), (130, 70), (300, 257), (200, 1) })
        {
            var (answer, reference) = (Text(first), Text(second));
            var (a, b) = (CodePoints(answer), CodePoints(reference));
            var expected = a.Length + b.Length == 0 ? 1 : 2.0 * TextbookLcs(a, b) / (a.Length + b.Length);

            Assert.Equal(expected, (await Similarity("fuzzy_match", answer, reference)).Score, 12);
        }

        // A shared start and end, which are counted without comparing them bit by bit.
        var (start, end) = (Text(70), Text(40));
        foreach (var (first, second) in new[] { (0, 3), (90, 20), (5, 5) })
        {
            var (answer, reference) = (start + Text(first) + end, start + Text(second) + end);
            var (a, b) = (CodePoints(answer), CodePoints(reference));
            Assert.Equal(2.0 * TextbookLcs(a, b) / (a.Length + b.Length), (await Similarity("fuzzy_match", answer, reference)).Score, 12);
        }

        string Words(int count) => string.Join(' ', Enumerable.Range(0, count).Select(_ => $"w{random.Next(12)}"));
        var (longAnswer, longReference) = (Words(150), Words(90));
        var (x, y) = (longAnswer.Split(' '), longReference.Split(' '));
        var lcs = TextbookLcs(x, y);
        var rougeL = 2.0 * ((double)lcs / x.Length) * ((double)lcs / y.Length) / ((double)lcs / x.Length + (double)lcs / y.Length);
        Assert.Equal(rougeL, (await Similarity("rouge_l", longAnswer, longReference)).Score, 12);
    }

    private static int[] CodePoints(string text) => [.. text.EnumerateRunes().Select(rune => rune.Value)];

    private static int TextbookLcs<T>(T[] a, T[] b)
    {
        var table = new int[a.Length + 1, b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                table[i, j] = EqualityComparer<T>.Default.Equals(a[i - 1], b[j - 1]) ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
            }
        }
        return table[a.Length, b.Length];
    }

    // Hypothesis (8 tokens) against reference (9): every 1-gram matches (8/8), 6 of 7 2-grams, 5 of 6 3-grams, 4 of 5
    // 4-grams ("over the dog" is not in the reference); the brevity penalty is exp(1 − 9/8).
    private const string Hypothesis = "the quick brown fox jumps over the dog";
    private const string Reference = "the quick brown fox jumps over the lazy dog";

    [Fact]
    public async Task Bleu_is_nltk_sentence_bleu()
    {
        var grade = await Similarity("bleu", Hypothesis, Reference);

        // exp(−0.125)·(8/8 · 6/7 · 5/6 · 4/5)^¼ = 0.76727964596…; NLTK 3.8's sentence_bleu gives 0.767279645960659.
        Assert.Equal(Math.Exp(-0.125) * Math.Pow(8.0 / 8 * 6 / 7 * 5 / 6 * 4 / 5, 0.25), grade.Score, 12);
        Assert.Equal(1, (await Similarity("bleu", Reference, Reference)).Score, 12);
        // No 4-gram in common: NLTK's unsmoothed BLEU is all but 0 (its smallest-normal stand-in), even with all words right.
        Assert.True((await Similarity("bleu", "the cat sat down", "the cat sat up")).Score < 1e-70);
    }

    [Fact]
    public async Task Gleu_is_matched_over_the_larger_n_gram_count()
    {
        // NLTK 3.8's sentence_gleu gives 0.7666666666666667. Matches 8 + 6 + 5 + 4 = 23; n-grams 26 in the hypothesis and 9 + 8 + 7 + 6 = 30 in the reference.
        Assert.Equal(23.0 / 30, (await Similarity("gleu", Hypothesis, Reference)).Score, 12);
    }

    [Fact]
    public async Task Rouge_is_the_f_measure_of_rouge_score()
    {
        // ROUGE-1: p = 8/8, r = 8/9, F = 16/17. ROUGE-2: p = 6/7, r = 6/8, F = 0.8. ROUGE-L: the hypothesis is a
        // subsequence of the reference, LCS = 8, F = 16/17.
        Assert.Equal(16.0 / 17, (await Similarity("rouge_1", Hypothesis, Reference)).Score, 12);
        Assert.Equal(0.8, (await Similarity("rouge_2", Hypothesis, Reference)).Score, 12);
        Assert.Equal(16.0 / 17, (await Similarity("rouge_l", Hypothesis, Reference)).Score, 12);
        // rouge-score lowercases and splits on anything but a-z and 0-9.
        Assert.Equal(1, (await Similarity("rouge_1", "Hello, WORLD!", "hello world")).Score, 12);
    }

    // Each n-gram matches as often as it appears in both texts; checked against n-grams joined into strings and counted, on
    // texts of few distinct words (many repeated n-grams), long enough to need the tokenizer's longer buffer.
    [Fact]
    public async Task Rouge_n_counts_every_order_as_joined_n_grams_do()
    {
        var random = new Random(11);
        string[] vocabulary = ["Ünïcode", "the", "The", "fox,", "fox", "42", "jumps!", "dog"];
        string Words(int count) => string.Join(random.Next(2) == 0 ? " " : " - ", Enumerable.Range(0, count).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
        static string[] Tokens(string text) =>
            System.Text.RegularExpressions.Regex.Replace(text.ToLowerInvariant(), "[^a-z0-9]+", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        static List<string> Grams(string[] tokens, int n) => [.. Enumerable.Range(0, Math.Max(0, tokens.Length - n + 1)).Select(i => string.Join('|', tokens[i..(i + n)]))];

        foreach (var (first, second) in new[] { (120, 90), (3, 40), (1, 1) })
        {
            var (answer, reference) = (Words(first), Words(second));
            for (var n = 1; n <= 5; n++)
            {
                var (predicted, target) = (Grams(Tokens(answer), n), Grams(Tokens(reference), n));
                var overlap = predicted.GroupBy(gram => gram).Sum(group => Math.Min(group.Count(), target.Count(gram => gram == group.Key)));
                var (precision, recall) = ((double)overlap / Math.Max(predicted.Count, 1), (double)overlap / Math.Max(target.Count, 1));
                var expected = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;

                Assert.Equal(expected, (await Similarity($"rouge_{n}", answer, reference)).Score, 12);
            }
        }
    }

    [Fact]
    public async Task Cosine_embeds_both_texts_and_needs_an_embeddings_endpoint()
    {
        var models = new FakeModels { Embeddings = new() { ["a"] = [1, 0, 1], ["b"] = [1, 1, 0] } };

        var grade = await Grading.One(
            """{"type":"text_similarity","name":"cos","evaluation_metric":"cosine","pass_threshold":0.4,"input":"{{ sample.output_text }}","reference":"b"}""",
            "{}", "a", models);
        var missing = await Similarity("cosine", "a", "b");

        Assert.Equal(0.5, grade.Score, 6);
        Assert.True(grade.Passed);
        Assert.StartsWith("cosine is not available on this connection", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Meteor_says_it_is_not_available()
    {
        var grade = await Similarity("meteor", Hypothesis, Reference);

        Assert.False(grade.Passed);
        Assert.StartsWith("meteor is not available", grade.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"pattern":"^\\d{3}-\\d{4}$"}""", "555-1234", true)]
    [InlineData("""{"pattern":"^\\d{3}-\\d{4}$"}""", "call 555-1234", false)]
    [InlineData("""{"pattern":"refund","flags":"i"}""", "REFUND issued", true)]
    [InlineData("""{"pattern":"refund"}""", "REFUND issued", false)]
    [InlineData("""{"pattern":"^Paris$","input":"{{ item.reference }}"}""", "anything", true)]
    public async Task Regex_passes_on_a_match(string fields, string answer, bool passes)
    {
        var grader = """{"type":"regex","name":"r",""" + fields[1..];

        var grade = await Grading.One(grader, Item, answer);

        Assert.Equal(passes, grade.Passed);
    }

    private const string Schema = """
        {"type":"json_schema","name":"shape","schema":{"type":"object","required":["city","population"],
         "properties":{"city":{"type":"string","minLength":1},"population":{"type":"integer","minimum":0}},"additionalProperties":false}}
        """;

    [Fact]
    public async Task Json_schema_passes_valid_json_and_says_why_not_otherwise()
    {
        var valid = await Grading.One(Schema, "{}", """{"city":"Paris","population":2100000}""");
        var invalid = await Grading.One(Schema, "{}", """{"city":"Paris","population":-1,"extra":true}""");
        var notJson = await Grading.One(Schema, "{}", "Paris, 2.1 million");

        Assert.True(valid.Passed);
        Assert.Equal(1, valid.Score);
        Assert.False(invalid.Passed);
        Assert.Null(invalid.Error);
        Assert.Contains("/population", invalid.Reasoning, StringComparison.Ordinal);
        Assert.False(notJson.Passed);
        Assert.Equal("The answer is not JSON.", notJson.Reasoning);
    }

    [Fact]
    public void An_invalid_schema_is_a_parse_problem()
    {
        var problems = Grading.Problems("""[{"type":"json_schema","name":"shape","schema":{"type":"nonsense"}}]""");

        Assert.StartsWith("grader 'shape' (json_schema): schema is not a valid JSON Schema", Assert.Single(problems), StringComparison.Ordinal);
    }
}
