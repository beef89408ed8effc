using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FineTune.Bench.Datasets;

// dotnet run -c Release --project bench/FineTune.Bench.Datasets -- run [--size-mb 200] [--file PATH] [--seed 1] [--skip-tiktoken] [--docs]
//   generate FILE [--size-mb N] [--seed S]   writes the generated dataset (repeated system prompts and tools)
//   docs FILE                                writes the no-repeat dataset from the reference documentation on this machine
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
    case "docs":
        WriteDocumentation(args[1]);
        return 0;
    case "check":
        var threads = Option("--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : (int?)null;
        Console.WriteLine((await Check(args[1], threads, int.Parse(Option("--passes") ?? "1", CultureInfo.InvariantCulture))).ToJsonString());
        return 0;
    case "run":
        return await Run();
    default:
        Console.Error.WriteLine("usage: run [--size-mb N] [--file PATH] [--seed S] [--skip-tiktoken] [--docs] | generate FILE | docs FILE | check FILE [--threads N]");
        return 2;
}

void Generate(string path)
{
    var watch = Stopwatch.StartNew();
    var examples = DatasetGenerator.Write(path, sizeMb * 1024L * 1024, seed);
    Console.WriteLine($"generated {path}: {new FileInfo(path).Length / 1048576.0:N1} MB, {examples:N0} examples in {watch.Elapsed.TotalSeconds:N1} s");
}

static void WriteDocumentation(string path)
{
    var watch = Stopwatch.StartNew();
    var examples = DocumentationCorpus.Write(path);
    Console.WriteLine($"wrote {path}: {new FileInfo(path).Length / 1048576.0:N1} MB, {examples:N0} examples in {watch.Elapsed.TotalSeconds:N1} s");
}

// Checks the file `passes` times in one process: the first pass is cold (tier-0 JIT code, as in a fresh CLI), the
// last is warm (as in the Api after its first upload). Every pass starts with empty caches.
static async Task<JsonObject> Check(string path, int? threads, int passes)
{
    // JIT of the start-up path and the o200k vocabulary load are not part of the per-byte cost.
    var example = """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}""" + "\n";
    await DatasetValidator.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(example)), null);
    var seconds = new List<double>();
    DatasetReport report = null!;
    for (var pass = 0; pass < passes; pass++)
    {
        var watch = Stopwatch.StartNew();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        report = await DatasetValidator.ValidateAsync(stream, new DatasetCheckOptions { MaxDegreeOfParallelism = threads });
        seconds.Add(watch.Elapsed.TotalSeconds);
    }
    var megabytes = report.Stats.Bytes / 1048576.0;
    return new JsonObject
    {
        ["tool"] = threads is { } n ? $"FineTune full check ({n} thread{(n == 1 ? "" : "s")})" : $"FineTune full check ({Environment.ProcessorCount} threads)",
        ["examples"] = report.ExampleCount,
        ["totalTokens"] = report.Tokens?.Total,
        ["trainableTokens"] = report.Tokens?.Trainable,
        ["seconds"] = seconds[^1],
        ["mbPerSecond"] = megabytes / seconds[^1],
        ["coldMbPerSecond"] = megabytes / seconds[0],
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
    var docs = args.Contains("--docs");
    var path = Option("--file") ?? Path.Combine(Path.GetTempPath(), docs ? "finetune-bench-docs.jsonl" : $"finetune-bench-{sizeMb}mb-seed{seed}.jsonl");
    if (!File.Exists(path) && docs) WriteDocumentation(path);
    else if (!File.Exists(path)) Generate(path);
    var benchDir = FindBenchDirectory();
    var nodeDir = Path.Combine(benchDir, "node");
    if (!Directory.Exists(Path.Combine(nodeDir, "node_modules")))
        await Exec("npm", ["ci", "--no-audit", "--no-fund"], nodeDir);

    var self = typeof(DatasetGenerator).Assembly.Location;
    var results = new List<JsonObject>
    {
        Parse(await Exec("dotnet", [self, "check", path, "--passes", "2"], benchDir)),
        Parse(await Exec("dotnet", [self, "check", path, "--threads", "1", "--passes", "2"], benchDir)),
        Parse(await Exec("node", ["count.mjs", "gpt-tokenizer", path, "2"], nodeDir)),
    };
    if (!args.Contains("--skip-tiktoken")) results.Add(Parse(await Exec("node", ["count.mjs", "tiktoken", path, "1"], nodeDir)));

    Console.WriteLine();
    var node = (await Exec("node", ["--version"], nodeDir)).Trim();
    Console.WriteLine($"file: {path} ({new FileInfo(path).Length / 1048576.0:N1} MB), {Environment.ProcessorCount} cores, "
        + $"{Environment.OSVersion}, .NET {Environment.Version}, node {node}");
    Console.WriteLine();
    Console.WriteLine("| tool | examples | total tokens | trainable tokens | warm seconds | warm MB/s | cold MB/s | peak RSS MB |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
        Console.WriteLine($"| {r["tool"]} | {r["examples"]:N0} | {(long)r["totalTokens"]!:N0} | {(long)r["trainableTokens"]!:N0} "
            + $"| {(double)r["seconds"]!:N2} | {(double)r["mbPerSecond"]!:N1} | {(double)r["coldMbPerSecond"]!:N1} | {(double)r["peakRssMb"]!:N0} |");

    var totals = results.Select(r => (long)r["totalTokens"]!).Distinct().Count();
    var trainables = results.Select(r => (long)r["trainableTokens"]!).Distinct().Count();
    double Speed(int row, string column = "mbPerSecond") => (double)results[row][column]!;
    Console.WriteLine();
    Console.WriteLine($"token counts agree: {(totals == 1 && trainables == 1 ? "yes" : "NO")}");
    Console.WriteLine($"FineTune full check vs gpt-tokenizer count-only: {Speed(0) / Speed(2):N2}x warm, "
        + $"{Speed(0, "coldMbPerSecond") / Speed(2, "coldMbPerSecond"):N2}x cold (target 1.5x)");
    Console.WriteLine($"FineTune 1 -> {Environment.ProcessorCount} threads: {Speed(0) / Speed(1):N2}x warm, "
        + $"{Speed(0, "coldMbPerSecond") / Speed(1, "coldMbPerSecond"):N2}x cold (target 1.7x)");
    if (results.Count > 3) Console.WriteLine($"FineTune full check vs tiktoken (WASM) count-only: {Speed(0) / Speed(3):N2}x (target 10x)");
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
