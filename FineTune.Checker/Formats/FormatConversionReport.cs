namespace FineTune.Checker;

// What a conversion did. From: the format the lines were read as (null: no line looked like any format), detected from
// the lines when FromDetected. Examples: the non-blank lines; Skipped of them could not be written, SkippedLines lists
// the first FormatConverter.MaxListedLines with their reasons, SkippedCounts counts them all by code.
public sealed record FormatConversionReport(
    string? From,
    bool FromDetected,
    string To,
    int Examples,
    int Written,
    int Skipped,
    IReadOnlyList<SkippedLine> SkippedLines,
    IReadOnlyDictionary<string, int> SkippedCounts);
