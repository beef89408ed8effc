using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FineTune.Bench.Datasets;

// dotnet run -c Release --project bench/FineTune.Bench.Datasets -- run [--size-mb 200] [--file PATH] [--seed 1] [--skip-tiktoken] [--docs]
//   checks the file in this bench's children (cold and warm passes, 1 and all threads), with gpt-tokenizer and tiktoken, and
//   then as a user does: `finetune validate FILE` against gpt-tokenizer, each a fresh process
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

// Checks the file `passes` times in one process: the first pass is cold (tier-0 JIT code, as in a fresh CLI), the others
// warm (as in the Api after its first upload), reported by their median. Every pass starts with empty caches.
static async Task<JsonObject> Check(string path, int? threads, int passes)
{
    // JIT of the start-up path and the o200k vocabulary load are not part of the per-byte cost.
    var example = """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}""" + "\n";
    await DatasetValidator.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(example)), null);
    var seconds = new List<double>();
    DatasetReport report = null!;
    var allocated = 0L;
    for (var pass = 0; pass < passes; pass++)
    {
        allocated = GC.GetTotalAllocatedBytes();
        var watch = Stopwatch.StartNew();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        report = await DatasetValidator.ValidateAsync(stream, new DatasetCheckOptions { MaxDegreeOfParallelism = threads });
        seconds.Add(watch.Elapsed.TotalSeconds);
        allocated = GC.GetTotalAllocatedBytes() - allocated;
    }
    var megabytes = report.Stats.Bytes / 1048576.0;
    return new JsonObject
    {
        ["tool"] = threads is { } n ? $"FineTune full check ({n} thread{(n == 1 ? "" : "s")})" : $"FineTune full check ({Environment.ProcessorCount} threads)",
        ["examples"] = report.ExampleCount,
        ["totalTokens"] = report.Tokens?.Total,
        ["trainableTokens"] = report.Tokens?.Trainable,
        ["seconds"] = Median(seconds.Skip(1).DefaultIfEmpty(seconds[0])),
        ["mbPerSecond"] = megabytes / Median(seconds.Skip(1).DefaultIfEmpty(seconds[0])),
        ["coldMbPerSecond"] = megabytes / seconds[0],
        ["peakRssMb"] = PeakRssMb(),
        ["allocatedMb"] = allocated / 1048576.0,
        ["valid"] = report.Valid,
        ["errors"] = report.Stats.ErrorCounts.Values.Sum(),
        ["warnings"] = report.Stats.WarningCounts.Values.Sum(),
    };
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
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
    // A cold pass and four warm ones on the small no-repeat file; a cold and a warm one on the large generated file.
    var passes = docs ? "5" : "2";
    var results = new List<JsonObject>
    {
        Parse(await Exec("dotnet", [self, "check", path, "--passes", passes], benchDir)),
        Parse(await Exec("dotnet", [self, "check", path, "--threads", "1", "--passes", passes], benchDir)),
        Parse(await Exec("node", ["count.mjs", "gpt-tokenizer", path, passes], nodeDir)),
    };
    if (!args.Contains("--skip-tiktoken")) results.Add(Parse(await Exec("node", ["count.mjs", "tiktoken", path, "1"], nodeDir)));

    // What a user waits for: one command on the file in a fresh process, start-up included.
    var cliProject = Path.Combine(Path.GetDirectoryName(benchDir)!, "FineTune.Cli");
    await Exec("dotnet", ["build", cliProject, "-c", "Release", "-v", "q", "--nologo"], benchDir);
    var cli = Path.Combine(cliProject, "bin", "Release", "net10.0", "FineTune.Cli.dll");
    var validateSeconds = await FreshProcessSeconds("dotnet", [cli, "validate", path], benchDir);
    var countSeconds = await FreshProcessSeconds("node", ["count.mjs", "gpt-tokenizer", path, "1"], nodeDir);
    // Start-up alone: the same commands on the 24-example sample.
    var sample = Path.Combine(Path.GetDirectoryName(benchDir)!, "samples", "capitals-train.jsonl");
    var validateStartSeconds = await FreshProcessSeconds("dotnet", [cli, "validate", sample], benchDir);
    var countStartSeconds = await FreshProcessSeconds("node", ["count.mjs", "gpt-tokenizer", sample, "1"], nodeDir);

    Console.WriteLine();
    var node = (await Exec("node", ["--version"], nodeDir)).Trim();
    Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; what {Environment.ProcessorCount} threads do here against 1 on work "
        + $"that shares nothing (hashing a buffer each that fits in a core's cache): {MachineScaling():N2}x");
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
    var fileMb = new FileInfo(path).Length / 1048576.0;
    Console.WriteLine($"fresh process, start-up included (median of 3): finetune validate {validateSeconds:N2} s ({fileMb / validateSeconds:N1} MB/s), "
        + $"gpt-tokenizer count-only {countSeconds:N2} s ({fileMb / countSeconds:N1} MB/s): {countSeconds / validateSeconds:N2}x (target 1.5x); "
        + $"start-up alone (a 24-example file): {validateStartSeconds:N2} s and {countStartSeconds:N2} s");
    if (results.Count > 3) Console.WriteLine($"FineTune full check vs tiktoken (WASM) count-only: {Speed(0) / Speed(3):N2}x (target 10x)");
    return totals == 1 && trainables == 1 ? 0 : 1;
}

static async Task<double> FreshProcessSeconds(string file, string[] arguments, string directory)
{
    var seconds = new List<double>();
    for (var run = 0; run < 3; run++)
    {
        var watch = Stopwatch.StartNew();
        await Exec(file, arguments, directory);
        seconds.Add(watch.Elapsed.TotalSeconds);
    }
    return Median(seconds);
}

// The ceiling for the checker's speed-up from more threads on this machine: the same work, sharing nothing, on one thread and
// on all of them for one second each.
static double MachineScaling()
{
    static long HashesInOneSecond()
    {
        var buffer = new byte[32 * 1024];
        var hashes = 0L;
        for (var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency; Stopwatch.GetTimestamp() < end; hashes++)
            buffer[hashes % buffer.Length] ^= (byte)System.IO.Hashing.XxHash64.HashToUInt64(buffer);
        return hashes;
    }
    HashesInOneSecond();
    var one = HashesInOneSecond();
    var all = Enumerable.Range(0, Environment.ProcessorCount).AsParallel().WithDegreeOfParallelism(Environment.ProcessorCount)
        .Select(_ => HashesInOneSecond()).Sum();
    return (double)all / one;
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
