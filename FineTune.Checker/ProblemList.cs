namespace FineTune.Checker;

// Problems of one kind, counted in full but kept only for the lowest lines of each code, so memory
// stays flat. Workers see their lines in increasing order; merging keeps the result independent of
// which worker saw which line.
internal sealed class ProblemList(int capPerCode)
{
    private readonly Dictionary<string, List<LocatedProblem>> _kept = [];

    public Dictionary<string, int> Counts { get; } = [];

    public void Add(int line, int order, string code, string message, string? path)
    {
        var count = Counts[code] = Counts.GetValueOrDefault(code) + 1;
        if (!_kept.TryGetValue(code, out var kept)) _kept[code] = kept = [];
        if (count <= capPerCode) kept.Add(new LocatedProblem(order, new DatasetProblem(line, code, message, path)));
    }

    public void Merge(ProblemList other)
    {
        foreach (var (code, count) in other.Counts) Counts[code] = Counts.GetValueOrDefault(code) + count;
        foreach (var (code, problems) in other._kept)
        {
            if (!_kept.TryGetValue(code, out var kept)) _kept[code] = kept = [];
            kept.AddRange(problems);
            kept.Sort(LocatedProblem.Compare);
            if (kept.Count > capPerCode) kept.RemoveRange(capPerCode, kept.Count - capPerCode);
        }
    }

    public IEnumerable<LocatedProblem> Kept => _kept.Values.SelectMany(list => list);

    public IEnumerable<(string Code, int Count)> Overflow => Counts.Where(pair => pair.Value > capPerCode).Select(pair => (pair.Key, pair.Value - capPerCode));
}

// Order: the problem's place among those found on its line, so a line's problems read in document order.
internal readonly record struct LocatedProblem(int Order, DatasetProblem Problem)
{
    public static int Compare(LocatedProblem a, LocatedProblem b)
    {
        var byLine = a.Problem.Line.CompareTo(b.Problem.Line);
        return byLine != 0 ? byLine : a.Order.CompareTo(b.Order);
    }
}
