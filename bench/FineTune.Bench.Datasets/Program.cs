using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FineTune.Bench.Datasets;

// dotnet run -c Release --project bench/FineTune.Bench.Datasets -- run [--size-mb 200] [--file PATH] [--seed 1] [--skip-tiktoken]
//   generate FILE [--size-mb N] [--seed S]   writes the dataset
//   check FILE [--threads N]                 the full check + token statistics, one JSON line (run in a child so its RSS is its own)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var command = args.FirstOrDefault() ?? "run";
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var sizeMb = int.Parse(Option("--size-mb") ?? "200", CultureInfo.InvariantCulture);
var seed = int.Parse(Option("--seed") ?? "1", CultureInfo.InvariantCulture);

switch (command)
{
    case "generate":
        Generate(args[1]);
        return 0;
    case "check":
        Console.WriteLine((await Check(args[1], Option("--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null)).ToJsonString());
        return 0;
    case "run":
        return await Run();
    default:
        Console.Error.WriteLine("usage: run [--size-mb N] [--file PATH] [--seed S] [--skip-tiktoken] | generate FILE | check FILE [--threads N]");
        return 2;
}

void Generate(string path)
{
    var watch = Stopwatch.StartNew();
    var examples = DatasetGenerator.Write(path, sizeMb * 1024L * 1024, seed);
    Console.WriteLine($"generated {path}: {new FileInfo(path).Length / 1048576.0:N1} MB, {examples:N0} examples in {watch.Elapsed.TotalSeconds:N1} s");
}

static async Task<JsonObject> Check(string path, int? threads)
{
    // Warm up: JIT and the o200k vocabulary load are not part of the per-byte cost.
    var example = """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}""" + "\n";
    await DatasetValidator.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(example)), null);
    var watch = Stopwatch.StartNew();
    await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    var report = await DatasetValidator.ValidateAsync(stream, new DatasetCheckOptions { MaxDegreeOfParallelism = threads });
    var seconds = watch.Elapsed.TotalSeconds;
    var megabytes = report.Stats.Bytes / 1048576.0;
    return new JsonObject
    {
        ["tool"] = threads is { } n ? $"FineTune ({n} thread{(n == 1 ? "" : "s")})" : $"FineTune ({Environment.ProcessorCount} threads)",
        ["examples"] = report.ExampleCount,
        ["totalTokens"] = report.Tokens?.Total,
        ["trainableTokens"] = report.Tokens?.Trainable,
        ["seconds"] = seconds,
        ["mbPerSecond"] = megabytes / seconds,
        ["peakRssMb"] = PeakRssMb(),
        ["valid"] = report.Valid,
        ["errors"] = report.Stats.ErrorCounts.Values.Sum(),
        ["warnings"] = report.Stats.WarningCounts.Values.Sum(),
    };
}

static double PeakRssMb()
{
    var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null
        ? Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0
        : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

async Task<int> Run()
{
    var path = Option("--file") ?? Path.Combine(Path.GetTempPath(), $"finetune-bench-{sizeMb}mb-seed{seed}.jsonl");
    if (!File.Exists(path)) Generate(path);
    var benchDir = FindBenchDirectory();
    var nodeDir = Path.Combine(benchDir, "node");
    if (!Directory.Exists(Path.Combine(nodeDir, "node_modules")))
        await Exec("npm", ["ci", "--no-audit", "--no-fund"], nodeDir);

    var self = typeof(DatasetGenerator).Assembly.Location;
    var results = new List<JsonObject>
    {
        Parse(await Exec("dotnet", [self, "check", path], benchDir)),
        Parse(await Exec("dotnet", [self, "check", path, "--threads", "1"], benchDir)),
        Parse(await Exec("node", ["count.mjs", "gpt-tokenizer", path], nodeDir)),
    };
    if (!args.Contains("--skip-tiktoken")) results.Add(Parse(await Exec("node", ["count.mjs", "tiktoken", path], nodeDir)));

    Console.WriteLine();
    var node = (await Exec("node", ["--version"], nodeDir)).Trim();
    Console.WriteLine($"file: {path} ({new FileInfo(path).Length / 1048576.0:N1} MB), {Environment.ProcessorCount} cores, "
        + $"{Environment.OSVersion}, .NET {Environment.Version}, node {node}");
    Console.WriteLine();
    Console.WriteLine("| tool | examples | total tokens | trainable tokens | seconds | MB/s | peak RSS MB |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
        Console.WriteLine($"| {r["tool"]} | {r["examples"]:N0} | {(long)r["totalTokens"]!:N0} | {(long)r["trainableTokens"]!:N0} "
            + $"| {(double)r["seconds"]!:N2} | {(double)r["mbPerSecond"]!:N1} | {(double)r["peakRssMb"]!:N0} |");

    var totals = results.Select(r => (long)r["totalTokens"]!).Distinct().Count();
    var trainables = results.Select(r => (long)r["trainableTokens"]!).Distinct().Count();
    var fineTune = (double)results[0]["mbPerSecond"]!;
    var gptTokenizer = (double)results[2]["mbPerSecond"]!;
    Console.WriteLine();
    Console.WriteLine($"token counts agree: {(totals == 1 && trainables == 1 ? "yes" : "NO")}");
    Console.WriteLine($"FineTune full check vs gpt-tokenizer count-only: {fineTune / gptTokenizer:N2}x (target 1.5x)");
    if (results.Count > 3) Console.WriteLine($"FineTune full check vs tiktoken (WASM) count-only: {fineTune / (double)results[3]["mbPerSecond"]!:N2}x (target 10x)");
    return totals == 1 && trainables == 1 ? 0 : 1;
}

static JsonObject Parse(string output) => JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();

static async Task<string> Exec(string file, string[] arguments, string directory)
{
    var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true };
    using var process = Process.Start(start)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}");
    Console.Error.WriteLine($"{file} {string.Join(' ', arguments.Select(Path.GetFileName))}: {output.Trim()}");
    return output;
}

static string FindBenchDirectory()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (Directory.Exists(Path.Combine(dir.FullName, "bench", "node"))) return Path.Combine(dir.FullName, "bench");
    throw new DirectoryNotFoundException("bench/node not found above " + AppContext.BaseDirectory);
}
