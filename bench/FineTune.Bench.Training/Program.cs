using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FineTune.LocalProvider.Training;

// How long the LocalProvider's trainer takes for a 100-example, 3-epoch run (the target:
// under a minute on 2 cores). Trains in-process, with no step delay, and prints the figures.
string[] adjectives = ["sturdy", "light", "quiet", "compact", "bright", "modular", "rugged", "slim", "warm", "fast"];
string[] things = ["kettle", "lamp", "backpack", "bicycle", "speaker", "desk", "jacket", "router", "tent", "blender"];
string[] materials = ["steel", "oak", "recycled plastic", "aluminium", "canvas", "bamboo", "glass", "wool", "carbon fibre", "ceramic"];

var jsonl = new StringBuilder();
for (var i = 0; i < 100; i++)
{
    var (adjective, thing, material) = (adjectives[i % 10], things[i / 10], materials[(i * 7) % 10]);
    var example = new
    {
        messages = new object[]
        {
            new { role = "user", content = $"Write a one-line catalogue description of item {i}, the {adjective} {thing}." },
            new
            {
                role = "assistant",
                content = $"Item {i} is a {adjective} {thing} made of {material}, built to last for years of daily use; "
                    + $"it ships with a two-year warranty and costs {10 + i * 3} euros, taxes included.",
            },
        },
    };
    jsonl.AppendLine(JsonSerializer.Serialize(example));
}

var examples = await TrainingData.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl.ToString())), CancellationToken.None);
for (var round = 1; round <= 3; round++)
{
    var clock = Stopwatch.StartNew();
    var run = new TrainingRun(examples, [], new TrainingSettings(Epochs: 3, BatchSize: 1, LearningRateMultiplier: 2, Seed: 1));
    StepMetrics? last = null;
    while (!run.IsComplete) last = run.NextStep();
    clock.Stop();
    Console.WriteLine($"round {round}: 100 examples x 3 epochs = {run.TotalSteps} steps, {run.TrainedTokens} trained tokens, " +
        $"final train loss {last!.TrainLoss:F4}, {clock.Elapsed.TotalSeconds:F2} s");
}
