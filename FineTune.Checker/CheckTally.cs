namespace FineTune.Checker;

// Everything one worker learns from its lines, merged into one tally at the end. Each part merges
// by sums, minimums and sorted lists, so the report does not depend on thread timing.
internal sealed class CheckTally(int capPerCode)
{
    public ProblemList Errors { get; } = new(capPerCode);
    public ProblemList Warnings { get; } = new(capPerCode);

    // Problems whose relevance depends on the file's format or on the other examples, decided at the end.
    public ProblemList ChatOnlyErrors { get; } = new(capPerCode);
    public ProblemList ChatOnlyWarnings { get; } = new(capPerCode);
    public ProblemList NoSystemMessage { get; } = new(capPerCode);
    public ProblemList MessagesFamilyLines { get; } = new(capPerCode);
    public ProblemList PreferenceLines { get; } = new(capPerCode);

    public int ExampleCount;
    public int MessageCount;
    // Lines by the method they look like (DatasetStats.ExamplesPerFormat), for the report to assume one when none is given.
    public int ChatSignals;
    public int ReinforcementSignals;
    public int PreferenceSignals;
    public int ExamplesWithSystem;
    public int ExamplesWithTools;
    public Dictionary<string, int> MessagesPerRole { get; } = [];
    public Dictionary<string, int> FreeKeys { get; } = [];
    public Dictionary<int, int> MessagesPerExample { get; } = [];

    // Token counts of the examples that parsed, in no particular order.
    public List<int> ExampleTokens { get; } = [];
    public long TotalTokens;
    public long TrainableTokens;
    public long BillableTokens;
    public int ExamplesOverLimit;
    public int LongestLine;
    public int LongestTokens = -1;

    // Exact duplicates: first line per content hash, plus the later lines seen by this worker.
    public Dictionary<ulong, int> FirstLineByHash { get; } = [];
    public List<(int Line, ulong Hash)> DuplicateLines { get; } = [];
    public int DuplicateCount;

    // Whether every example's final assistant answer is the same text.
    public ulong? AnswerHash;
    public bool AnswersDiffer;
    public int AnswerCount;
    public int FirstAnswerLine = int.MaxValue;

    public void CountRole(string role) => MessagesPerRole[role] = MessagesPerRole.GetValueOrDefault(role) + 1;

    public void AddDuplicate(int line, ulong hash)
    {
        DuplicateCount++;
        if (DuplicateLines.Count < capPerCode) DuplicateLines.Add((line, hash));
    }

    public void Merge(CheckTally other)
    {
        Errors.Merge(other.Errors);
        Warnings.Merge(other.Warnings);
        ChatOnlyErrors.Merge(other.ChatOnlyErrors);
        ChatOnlyWarnings.Merge(other.ChatOnlyWarnings);
        NoSystemMessage.Merge(other.NoSystemMessage);
        MessagesFamilyLines.Merge(other.MessagesFamilyLines);
        PreferenceLines.Merge(other.PreferenceLines);

        ExampleCount += other.ExampleCount;
        MessageCount += other.MessageCount;
        ChatSignals += other.ChatSignals;
        ReinforcementSignals += other.ReinforcementSignals;
        PreferenceSignals += other.PreferenceSignals;
        ExamplesWithSystem += other.ExamplesWithSystem;
        ExamplesWithTools += other.ExamplesWithTools;
        foreach (var (key, value) in other.MessagesPerRole) MessagesPerRole[key] = MessagesPerRole.GetValueOrDefault(key) + value;
        foreach (var (key, value) in other.FreeKeys) FreeKeys[key] = FreeKeys.GetValueOrDefault(key) + value;
        foreach (var (key, value) in other.MessagesPerExample) MessagesPerExample[key] = MessagesPerExample.GetValueOrDefault(key) + value;

        ExampleTokens.AddRange(other.ExampleTokens);
        TotalTokens += other.TotalTokens;
        TrainableTokens += other.TrainableTokens;
        BillableTokens += other.BillableTokens;
        ExamplesOverLimit += other.ExamplesOverLimit;
        if (other.LongestTokens > LongestTokens || (other.LongestTokens == LongestTokens && other.LongestLine < LongestLine))
        {
            LongestTokens = other.LongestTokens;
            LongestLine = other.LongestLine;
        }

        DuplicateCount += other.DuplicateCount;
        DuplicateLines.AddRange(other.DuplicateLines);
        foreach (var (hash, line) in other.FirstLineByHash)
        {
            if (FirstLineByHash.TryGetValue(hash, out var mine))
            {
                DuplicateCount++;
                DuplicateLines.Add((Math.Max(mine, line), hash));
                if (line < mine) FirstLineByHash[hash] = line;
            }
            else
            {
                FirstLineByHash[hash] = line;
            }
        }
        DuplicateLines.Sort((a, b) => a.Line.CompareTo(b.Line));
        if (DuplicateLines.Count > capPerCode) DuplicateLines.RemoveRange(capPerCode, DuplicateLines.Count - capPerCode);

        if (other.AnswerCount > 0)
        {
            AnswersDiffer |= other.AnswersDiffer || (AnswerHash is { } mine && mine != other.AnswerHash);
            AnswerHash ??= other.AnswerHash;
            AnswerCount += other.AnswerCount;
            FirstAnswerLine = Math.Min(FirstAnswerLine, other.FirstAnswerLine);
        }
    }
}
