namespace FineTune.Evals;

// The n-grams of an answer and a reference, the unit BLEU, GLEU and ROUGE-N compare. Each word is numbered once (the same
// word the same number in both), so an n-gram is up to five numbers rather than a string joined for every position.
internal sealed class NGrams
{
    public const int LongestOrder = 5;

    private readonly int[] _hypothesis;
    private readonly int[] _reference;

    // The reference's n-grams not yet matched, refilled for each order (one table for all of them).
    private readonly Dictionary<(int, int, int, int, int), int> _unmatched = [];

    public NGrams(string[] hypothesis, string[] reference)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        _hypothesis = Number(hypothesis, ids);
        _reference = Number(reference, ids);
    }

    // Each word its number in ids, a new word the next one. Numbered from 1: 0 fills the places of an n-gram shorter than
    // the longest order.
    public static int[] Number(string[] words, Dictionary<string, int> ids)
    {
        var numbers = new int[words.Length];
        for (var i = 0; i < words.Length; i++) numbers[i] = ids.TryGetValue(words[i], out var id) ? id : ids[words[i]] = ids.Count + 1;
        return numbers;
    }

    public int HypothesisLength => _hypothesis.Length;
    public int ReferenceLength => _reference.Length;

    // Of order n: the matches (each n-gram counts as often as it appears in both), and how many n-grams each side has.
    public (int Matches, int HypothesisCount, int ReferenceCount) Compare(int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, LongestOrder);
        var unmatched = _unmatched;
        unmatched.Clear();
        for (var i = 0; i + n <= _reference.Length; i++)
        {
            var key = Key(_reference, i, n);
            unmatched[key] = unmatched.GetValueOrDefault(key) + 1;
        }
        var matches = 0;
        for (var i = 0; i + n <= _hypothesis.Length; i++)
        {
            var key = Key(_hypothesis, i, n);
            if (unmatched.GetValueOrDefault(key) is > 0 and var left)
            {
                unmatched[key] = left - 1;
                matches++;
            }
        }
        return (matches, Math.Max(0, _hypothesis.Length - n + 1), Math.Max(0, _reference.Length - n + 1));
    }

    private static (int, int, int, int, int) Key(int[] words, int at, int n) =>
        (words[at], n > 1 ? words[at + 1] : 0, n > 2 ? words[at + 2] : 0, n > 3 ? words[at + 3] : 0, n > 4 ? words[at + 4] : 0);
}
