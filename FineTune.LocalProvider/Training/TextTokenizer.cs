using System.Text.RegularExpressions;

namespace FineTune.LocalProvider.Training;

// Words and punctuation marks, each carrying the whitespace before it, so that joining the
// tokens gives back the text exactly and a generated answer needs no detokenizer.
public static partial class TextTokenizer
{
    public const int MaxPromptWords = 32;

    [GeneratedRegex(@"\s*(?:\w+|[^\w\s])")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordPattern();

    public static string[] Split(string text) => TokenPattern().Matches(text).Select(match => match.Value).ToArray();

    public static int Count(string text) => TokenPattern().Count(text);

    // Case and spacing should not turn a trained prompt into an unknown one.
    public static string NormalizePrompt(string prompt) =>
        string.Join(' ', prompt.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public static string[] PromptWords(string prompt) =>
        WordPattern().Matches(prompt.ToLowerInvariant()).Select(match => match.Value).Distinct().Take(MaxPromptWords).ToArray();
}
