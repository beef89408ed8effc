using System.Runtime.InteropServices;

namespace FineTune.Evals;

// The n-grams of an answer and a reference, the unit BLEU, GLEU and ROUGE-N compare. Each word is a number (WordNumbers),
// and each n-gram too: an n-gram is its first n − 1 words' number and its last word, so
// order n is numbered from order n − 1 in one pass, and matches are counted in an array indexed by those numbers.
internal sealed class NGrams
{
    public const int LongestOrder = 5;

    private readonly int[] _hypothesisWords;
    private readonly int[] _referenceWords;
    private readonly int _distinctWords;

    // The n-grams of the order built so far, as numbers from 1 to _distinctGrams, in both texts.
    private int _order;
    private int[] _hypothesisGrams = [];
    private int[] _referenceGrams = [];
    private int _distinctGrams;
    private readonly Dictionary<long, int> _gramNumbers = [];

    // Both texts' words numbered by the same WordNumbers.
    public NGrams(int[] hypothesisWords, int[] referenceWords, WordNumbers words)
    {
        _hypothesisWords = hypothesisWords;
        _referenceWords = referenceWords;
        _distinctWords = words.Count;
        _gramNumbers.EnsureCapacity(hypothesisWords.Length + referenceWords.Length);
    }

    public int HypothesisLength => _hypothesisWords.Length;
    public int ReferenceLength => _referenceWords.Length;

    // Of order n: the matches (each n-gram counts as often as it appears in both), and how many n-grams each side has.
    public (int Matches, int HypothesisCount, int ReferenceCount) Compare(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, LongestOrder);
        if (n < _order) _order = 0;
        while (_order < n) NextOrder();

        var unmatched = new int[_distinctGrams + 1];
        foreach (var gram in _referenceGrams) unmatched[gram]++;
        var matches = 0;
        foreach (var gram in _hypothesisGrams)
        {
            if (unmatched[gram] == 0) continue;
            unmatched[gram]--;
            matches++;
        }
        return (matches, _hypothesisGrams.Length, _referenceGrams.Length);
    }

    private void NextOrder()
    {
        if (_order == 0)
        {
            (_hypothesisGrams, _referenceGrams, _distinctGrams, _order) = (_hypothesisWords, _referenceWords, _distinctWords, 1);
            return;
        }
        _gramNumbers.Clear();
        _hypothesisGrams = Longer(_hypothesisGrams, _hypothesisWords);
        _referenceGrams = Longer(_referenceGrams, _referenceWords);
        _distinctGrams = _gramNumbers.Count;
        _order++;
    }

    // The n-gram at i of the next order: this order's n-gram at i followed by the word after it.
    private int[] Longer(int[] grams, int[] words)
    {
        var longer = new int[Math.Max(0, grams.Length - 1)];
        for (var i = 0; i < longer.Length; i++)
        {
            ref var number = ref CollectionsMarshal.GetValueRefOrAddDefault(_gramNumbers, ((long)grams[i] << 32) | (uint)words[i + _order], out var seen);
            if (!seen) number = _gramNumbers.Count;
            longer[i] = number;
        }
        return longer;
    }
}
