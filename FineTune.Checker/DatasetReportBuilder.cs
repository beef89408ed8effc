namespace FineTune.Checker;

// Turns the merged tally into the report: takes the method given or assumes one from the lines, keeps
// the problems that matter for it, adds file-level findings, and computes token statistics and the estimate.
internal static class DatasetReportBuilder
{
    private const int HistogramBins = 20;
    private const int FileLevelOrder = int.MaxValue;

    public static DatasetReport Build(CheckTally tally, DatasetValidator.ReadSummary read, ModelEntry model, string? unknownModel, DatasetCheckOptions options)
    {
        var cap = DatasetValidator.MaxErrorsPerCode;
        var errors = new ProblemList(cap);
        var warnings = new ProblemList(cap);
        errors.Merge(tally.Errors);
        warnings.Merge(tally.Warnings);

        var (method, assumption) = options.Method is { } given ? (given, null) : AssumeMethod(tally);
        var format = TrainingMethods.FormatOf(method);

        // Lines of the other family than the file's format are mixed in.
        errors.Merge(format == DatasetValidator.FormatPreference ? tally.MessagesFamilyLines : tally.PreferenceLines);
        if (format == DatasetValidator.FormatChat)
        {
            errors.Merge(tally.ChatOnlyErrors);
            warnings.Merge(tally.ChatOnlyWarnings);
        }
        if (tally.ExamplesWithSystem > 0) warnings.Merge(tally.NoSystemMessage);

        var lastLine = Math.Max(read.Lines, 1);
        if (read.TooLargeLine > 0)
            errors.Add(read.TooLargeLine, FileLevelOrder, DatasetCodes.FileTooLarge,
                $"The file is {read.Bytes / (1024.0 * 1024):N1} MB; fine-tuning files may be at most "
                + $"{options.MaxFileBytes / (1024.0 * 1024):N1} MB. Split it from this line on.", null);
        if (tally.ExampleCount == 0)
            errors.Add(lastLine, FileLevelOrder, DatasetCodes.EmptyFile, "The file holds no examples.", null);
        else if (tally.ExampleCount < DatasetValidator.MinimumExamples)
            errors.Add(lastLine, FileLevelOrder, DatasetCodes.TooFewExamples,
                $"The file has {tally.ExampleCount} examples; fine-tuning needs at least {DatasetValidator.MinimumExamples}.", null);
        if (format == DatasetValidator.FormatChat && tally.ExampleTokens.Count > 0 && tally.TrainableTokens == 0 && tally.MessagesPerRole.GetValueOrDefault("assistant") > 0)
            errors.Add(lastLine, FileLevelOrder, DatasetCodes.NoTrainableTokens, "Every assistant message has weight 0, so there is nothing to learn.", null);

        foreach (var (line, hash) in tally.DuplicateLines)
            warnings.Add(line, -1, DatasetCodes.DuplicateExample, $"This example repeats line {tally.FirstLineByHash[hash]} exactly.", "$");
        // DuplicateLines holds only the lowest lines; count the rest so the overflow note is right.
        if (tally.DuplicateCount > tally.DuplicateLines.Count)
            warnings.Counts[DatasetCodes.DuplicateExample] += tally.DuplicateCount - tally.DuplicateLines.Count;

        if (unknownModel is not null)
            warnings.Add(0, 0, DatasetCodes.UnknownModel, $"\"{unknownModel}\" is not in the model table; limits and prices are those of {model.Name}.", null);
        if (tally.AnswerCount >= 2 && !tally.AnswersDiffer)
            warnings.Add(tally.FirstAnswerLine, FileLevelOrder, DatasetCodes.IdenticalAssistantAnswers,
                $"All {tally.AnswerCount} examples end with the same assistant answer; the model would learn to say only that.", null);

        var tokens = TokenStats(tally, model);
        if (tokens is not null && tally.ExampleTokens.Count >= DatasetValidator.MinimumExamples
            && tokens.PerExample.Max >= 512 && tokens.PerExample.Max > 10 * tokens.PerExample.Median)
            warnings.Add(tally.LongestLine, FileLevelOrder, DatasetCodes.UnevenLengths,
                $"This example has {tokens.PerExample.Max:N0} tokens, over 10 times the median of {tokens.PerExample.Median:N0}; "
                + "very uneven lengths make training less stable and costlier.", "$");

        var estimate = tokens is null || format == DatasetValidator.FormatReinforcement
            ? null
            : TrainingEstimate.Estimate(model, tally.ExampleCount, tokens.Billable, options.Epochs);

        return new DatasetReport(
            Valid: errors.Counts.Count == 0,
            Method: method,
            MethodAssumption: assumption,
            Format: format,
            ExampleCount: tally.ExampleCount,
            Errors: Listed(errors, "errors"),
            Warnings: Listed(warnings, "warnings"),
            Stats: new DatasetStats(read.Bytes, tally.MessageCount, Sorted(tally.MessagesPerRole))
            {
                Lines = read.Lines,
                ExamplesPerFormat = Sorted(new Dictionary<string, int>
                {
                    [DatasetValidator.FormatChat] = tally.ChatSignals,
                    [DatasetValidator.FormatReinforcement] = tally.ReinforcementSignals,
                    [DatasetValidator.FormatPreference] = tally.PreferenceSignals,
                }.Where(pair => pair.Value > 0).ToDictionary()),
                MessagesPerExample = MessagesDistribution(tally.MessagesPerExample),
                ExamplesWithSystemMessage = tally.ExamplesWithSystem,
                ExamplesWithTools = tally.ExamplesWithTools,
                FreeKeys = format == DatasetValidator.FormatReinforcement ? Sorted(tally.FreeKeys) : new Dictionary<string, int>(),
                ErrorCounts = Sorted(errors.Counts),
                WarningCounts = Sorted(warnings.Counts),
            },
            Tokens: tokens,
            Estimate: estimate);
    }

    // The method most lines look like, and why: supervised unless more lines look like one of the others,
    // since supervised is the most common method and its checks are the strictest.
    private static (string Method, string Assumption) AssumeMethod(CheckTally tally)
    {
        var lines = tally.ExampleCount;
        if (tally.PreferenceSignals > tally.ChatSignals + tally.ReinforcementSignals)
            return (TrainingMethods.Dpo,
                $"assumed dpo: {tally.PreferenceSignals} of {lines} lines are preference examples (input, preferred_output, non_preferred_output)");
        if (tally.ReinforcementSignals > tally.ChatSignals)
        {
            var keys = string.Join(", ", tally.FreeKeys.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).Take(3).Select(pair => pair.Key));
            return (TrainingMethods.Reinforcement,
                $"assumed reinforcement: {tally.ReinforcementSignals} of {lines} lines have messages without a final assistant message, beside other keys ({keys})");
        }
        return (TrainingMethods.Supervised, $"assumed supervised: {tally.ChatSignals} of {lines} lines have messages ending with an assistant message");
    }

    private static List<DatasetProblem> Listed(ProblemList problems, string kind)
    {
        var listed = problems.Kept.ToList();
        listed.Sort(LocatedProblem.Compare);
        var result = listed.Select(p => p.Problem).ToList();
        foreach (var (code, more) in problems.Overflow.OrderBy(o => o.Code, StringComparer.Ordinal))
            result.Add(new DatasetProblem(0, code, $"{more} more \"{code}\" {kind} are not listed."));
        return result;
    }

    private static SortedDictionary<string, int> Sorted(IDictionary<string, int> counts) => new(counts, StringComparer.Ordinal);

    private static DatasetTokenStats? TokenStats(CheckTally tally, ModelEntry model)
    {
        if (tally.ExampleTokens.Count == 0) return null;
        var values = tally.ExampleTokens;
        values.Sort();
        var min = values[0];
        var max = values[^1];
        var width = Math.Max(1, (int)Math.Ceiling((max - min + 1) / (double)HistogramBins));
        var bins = new List<HistogramBin>();
        var at = 0;
        for (long from = min; from <= max; from += width)
        {
            var to = from + width;
            var count = 0;
            while (at < values.Count && values[at] < to) { count++; at++; }
            bins.Add(new HistogramBin(from, to, count));
        }

        return new DatasetTokenStats(
            Encoding: TokenCounter.EncodingName,
            Model: model.Name,
            ContextLimit: model.ContextTokens,
            Total: tally.TotalTokens,
            Trainable: tally.TrainableTokens,
            Billable: tally.BillableTokens,
            ExamplesOverLimit: tally.ExamplesOverLimit,
            PerExample: new Distribution(min, max, (double)tally.TotalTokens / values.Count,
                Percentile(values, 50), Percentile(values, 5), Percentile(values, 95)),
            Histogram: bins);
    }

    private static Distribution? MessagesDistribution(Dictionary<int, int> counts)
    {
        if (counts.Count == 0) return null;
        var values = counts.OrderBy(pair => pair.Key).SelectMany(pair => Enumerable.Repeat(pair.Key, pair.Value)).ToList();
        return new Distribution(values[0], values[^1], values.Average(), Percentile(values, 50), Percentile(values, 5), Percentile(values, 95));
    }

    // Linear interpolation between closest ranks, as numpy's percentile (the cookbook's choice).
    internal static double Percentile(IReadOnlyList<int> sorted, double percent)
    {
        var rank = percent / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }
}
