using System.Buffers;
using System.Threading.Channels;

namespace FineTune.Checker;

// Checks a fine-tuning JSONL file (chat, preference or reinforcement format) in one streaming pass.
// A reader cuts the stream into batches of whole lines; one worker per core checks and counts them;
// the workers' tallies merge into one report that does not depend on thread timing.
public static class DatasetValidator
{
    public const int MinimumExamples = 10;
    public const int MaxErrorsPerCode = 50;

    // OpenAI's limit for one fine-tuning file.
    public const long MaxFileBytes = 512L * 1024 * 1024;

    public const string FormatChat = "chat";
    public const string FormatPreference = "preference";
    public const string FormatReinforcement = "reinforcement";

    public static Task<DatasetReport> ValidateAsync(Stream jsonl, CancellationToken cancellationToken = default) =>
        ValidateAsync(jsonl, null, cancellationToken);

    public static async Task<DatasetReport> ValidateAsync(Stream jsonl, DatasetCheckOptions? options, CancellationToken cancellationToken = default)
    {
        options ??= DatasetCheckOptions.Default;
        if (options.Method is { } method && !TrainingMethods.IsKnown(method))
            throw new ArgumentException(TrainingMethods.UnknownMessage(method), nameof(options));
        var model = options.Catalog.Find(options.Model ?? ModelCatalog.DefaultModel, options.Provider);
        var unknownModel = model is null && options.Model is not null;
        model ??= options.Catalog.Find(ModelCatalog.DefaultModel) ?? ModelCatalog.Default.Find(ModelCatalog.DefaultModel)!;
        TokenCounter.WarmUp();

        var workerCount = Math.Max(1, options.MaxDegreeOfParallelism ?? Environment.ProcessorCount);
        var batches = Channel.CreateBounded<LineBatch>(new BoundedChannelOptions(workerCount * 2)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var workers = new Task<CheckTally>[workerCount];
        for (var i = 0; i < workerCount; i++)
        {
            workers[i] = Task.Run(() => CheckBatchesAsync(batches.Reader, model, options.Method, failed.Token), failed.Token);
            _ = workers[i].ContinueWith(_ => failed.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        ReadSummary read;
        try
        {
            read = await ReadBatchesAsync(jsonl, batches.Writer, options.BatchBytes, options.MaxFileBytes, failed.Token);
            batches.Writer.TryComplete();
        }
        catch (Exception e)
        {
            batches.Writer.TryComplete(e);
            await failed.CancelAsync();
            await Task.WhenAll(workers).ContinueWith(_ => { }, TaskScheduler.Default);
            if (workers.FirstOrDefault(worker => worker.IsFaulted) is { Exception: { } workerFailure })
                throw workerFailure.InnerException ?? workerFailure;
            throw;
        }

        CheckTally[] tallies;
        try
        {
            tallies = await Task.WhenAll(workers);
        }
        finally
        {
            while (batches.Reader.TryRead(out var left)) left.Return();
        }

        var tally = tallies[0];
        for (var i = 1; i < tallies.Length; i++) tally.Merge(tallies[i]);
        return DatasetReportBuilder.Build(tally, read, model, unknownModel ? options.Model : null, options);
    }

    private static async Task<CheckTally> CheckBatchesAsync(
        ChannelReader<LineBatch> batches, ModelEntry model, string? method, CancellationToken cancellationToken)
    {
        var tally = new CheckTally(MaxErrorsPerCode);
        var checker = new ExampleChecker(tally, model, method);
        await foreach (var batch in batches.ReadAllAsync(cancellationToken))
        {
            try
            {
                ReadOnlyMemory<byte> memory = batch.Buffer.AsMemory(0, batch.Length);
                var lineNumber = batch.FirstLine;
                while (!memory.IsEmpty)
                {
                    var newline = memory.Span.IndexOf((byte)'\n');
                    var line = newline >= 0 ? memory[..newline] : memory;
                    if (!line.IsEmpty && line.Span[^1] == (byte)'\r') line = line[..^1];
                    checker.CheckLine(line, lineNumber++);
                    memory = newline >= 0 ? memory[(newline + 1)..] : ReadOnlyMemory<byte>.Empty;
                }
            }
            finally
            {
                batch.Return();
            }
        }
        return tally;
    }

    // Cuts the stream into batches that end at a line end (the last may not), numbering their first lines.
    private static async Task<ReadSummary> ReadBatchesAsync(Stream stream, ChannelWriter<LineBatch> batches, int batchBytes, long maxFileBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(batchBytes);
        int filled = 0, nextLine = 1, lines = 0, tooLargeLine = 0;
        long bytes = 0;
        try
        {
            while (true)
            {
                var read = 0;
                while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
                    filled += read;
                var atEnd = filled < buffer.Length;

                var cut = atEnd ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (cut == 0 && !atEnd)
                {
                    // One line longer than the buffer: grow it and read on.
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                    continue;
                }

                var batch = buffer.AsSpan(0, cut);
                var newlines = batch.Count((byte)'\n');
                var batchLines = newlines + (cut > 0 && batch[^1] != (byte)'\n' ? 1 : 0);
                if (tooLargeLine == 0 && bytes + cut > maxFileBytes)
                    tooLargeLine = nextLine + batch[..(int)(maxFileBytes - bytes)].Count((byte)'\n');
                bytes += cut;

                var next = ArrayPool<byte>.Shared.Rent(Math.Max(batchBytes, filled - cut));
                buffer.AsSpan(cut, filled - cut).CopyTo(next);
                if (cut > 0) await batches.WriteAsync(new LineBatch(buffer, cut, nextLine), cancellationToken);
                else ArrayPool<byte>.Shared.Return(buffer);
                buffer = next;
                filled -= cut;
                nextLine += batchLines;
                lines += batchLines;
                if (atEnd) return new ReadSummary(bytes, lines, tooLargeLine);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal readonly record struct ReadSummary(long Bytes, int Lines, int TooLargeLine);

    private readonly record struct LineBatch(byte[] Buffer, int Length, int FirstLine)
    {
        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }
}
