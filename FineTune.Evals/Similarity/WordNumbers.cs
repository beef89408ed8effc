namespace FineTune.Evals;

// Words numbered as they come, the same word the same number in every text read (from 1), so the metrics compare numbers
// rather than strings. A word seen before is looked up from the text itself, with no string made for it.
internal sealed class WordNumbers
{
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);

    public int Count => _numbers.Count;

    // Python's str.split(): runs of anything but white space (NLTK's BLEU and GLEU tokens).
    public int[] BetweenWhiteSpace(string text)
    {
        var numbers = new List<int>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && !char.IsWhiteSpace(text[i]);
            if (inWord && start < 0) start = i;
            if (inWord || start < 0) continue;
            numbers.Add(Number(text.AsSpan(start, i - start)));
            start = -1;
        }
        return [.. numbers];
    }

    // rouge-score's tokens, `re.sub(r"[^a-z0-9]+", " ", text.lower()).split()`: runs of a-z and 0-9 after lowercasing.
    public int[] LowercaseAlphanumeric(string text)
    {
        var numbers = new List<int>();
        Span<char> word = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        var length = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            var lower = i < text.Length ? char.ToLowerInvariant(text[i]) : ' ';
            if (lower is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                word[length++] = lower;
            }
            else if (length > 0)
            {
                numbers.Add(Number(word[..length]));
                length = 0;
            }
        }
        return [.. numbers];
    }

    private int Number(ReadOnlySpan<char> word)
    {
        var lookup = _numbers.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(word, out var number)) return number;
        number = _numbers.Count + 1;
        lookup[word] = number;
        return number;
    }
}
