namespace FineTune.LocalProvider.Tests;

// What a job reports equals what FineTune estimated before launching it: "auto" epochs by the cookbook's
// rule and trained tokens counted by the dataset checker (o200k), the same numbers the Api's estimate shows.
public sealed class TrainedTokenTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>
{
    // The cookbook's rule: 3 epochs, raised so a small file is seen about 100 times, lowered past 25,000.
    // The large file trains in batches of 100 (the batch size changes neither epochs nor tokens), so its
    // 150 steps take seconds rather than the 1,500 of "auto".
    [Theory]
    [InlineData(10, 10, null)]
    [InlineData(20, 5, null)]
    [InlineData(24, 4, null)]
    [InlineData(100, 3, null)]
    [InlineData(5_000, 3, 100)]
    public async Task An_auto_epoch_job_trains_and_reports_what_the_estimate_said(int examples, int expectedEpochs, int? batchSize)
    {
        var jsonl = SampleData.Jsonl(Enumerable.Range(0, examples).Select(i =>
        {
            var (question, answer) = SampleData.Geography[i % SampleData.Geography.Count];
            return ($"{question} (question {i})", $"{answer} That is answer number {i}.");
        }));
        var estimate = await EstimateAsync(jsonl, examples);
        Assert.Equal(expectedEpochs, estimate.Epochs);

        var fileId = await server.UploadAsync(jsonl, $"sized-{examples}.jsonl");
        var job = await server.CreateJobAsync(new
        {
            model = "gpt-4.1-mini",
            training_file = fileId,
            seed = 3,
            method = new { type = "supervised", supervised = new { hyperparameters = new { batch_size = (object?)batchSize ?? "auto" } } },
        });
        var done = await server.WaitForStatusAsync(job.GetProperty("id").GetString()!, "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(expectedEpochs, done.GetProperty("hyperparameters").GetProperty("n_epochs").GetInt32());
        Assert.Equal(estimate.TrainedTokens, done.GetProperty("trained_tokens").GetInt64());
    }

    private static async Task<DatasetEstimate> EstimateAsync(string jsonl, int examples)
    {
        var options = new DatasetCheckOptions { Model = "gpt-4.1-mini" };
        var report = await DatasetValidator.ValidateAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), options, CancellationToken.None);
        Assert.True(report.Valid);
        Assert.Equal(examples, report.ExampleCount);
        return TrainingEstimate.Estimate(options.Catalog.Find("gpt-4.1-mini")!, examples, report.Tokens!.Billable);
    }
}
