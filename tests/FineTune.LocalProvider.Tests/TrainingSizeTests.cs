namespace FineTune.LocalProvider.Tests;

// A 100-example, 3-epoch run as the issue sizes it; how long it takes is measured by
// bench/FineTune.Bench.Training, not here.
public sealed class TrainingSizeTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>
{
    private static readonly string[] Adjectives = ["sturdy", "light", "quiet", "compact", "bright", "modular", "rugged", "slim", "warm", "fast"];
    private static readonly string[] Things = ["kettle", "lamp", "backpack", "bicycle", "speaker", "desk", "jacket", "router", "tent", "blender"];
    private static readonly string[] Materials = ["steel", "oak", "recycled plastic", "aluminium", "canvas", "bamboo", "glass", "wool", "carbon fibre", "ceramic"];

    [Fact]
    public async Task A_100_example_3_epoch_job_runs_300_steps_over_every_trained_token()
    {
        var examples = Enumerable.Range(0, 100).Select(i =>
        {
            var (adjective, thing, material) = (Adjectives[i % 10], Things[i / 10], Materials[(i * 7) % 10]);
            return ($"Write a one-line catalogue description of item {i}, the {adjective} {thing}.",
                $"Item {i} is a {adjective} {thing} made of {material}, built to last for years of daily use; " +
                $"it ships with a two-year warranty and costs {10 + i * 3} euros, taxes included.");
        });
        var fileId = await server.UploadAsync(SampleData.Jsonl(examples), "catalogue.jsonl");

        var job = await server.CreateJobAsync(new
        {
            model = "gpt-4o-mini",
            training_file = fileId,
            seed = 1,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 3 } } },
        });
        var done = await server.WaitForStatusAsync(job.GetProperty("id").GetString()!, "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        var steps = (await server.GetAllEventsAsync(done.GetProperty("id").GetString()!, 1000)).Count(e => e.GetProperty("type").GetString() == "metrics");
        Assert.Equal(300, steps);
        Assert.True(done.GetProperty("trained_tokens").GetInt64() > 10_000);
    }
}
