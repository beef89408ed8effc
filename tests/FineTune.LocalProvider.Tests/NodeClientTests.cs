using System.Diagnostics;

namespace FineTune.LocalProvider.Tests;

// The official openai npm package against a real LocalProvider port: tests/openai-node/script.mjs
// checks every step itself and exits non-zero on the first mismatch.
public sealed class NodeClientTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>
{
    [Fact]
    public async Task The_official_openai_npm_package_runs_the_whole_flow()
    {
        var directory = FindNodeCheckDirectory();
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "openai")))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, [], TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, $"npm ci failed ({install.ExitCode}):\n{install.Output}");
        }

        var run = await RunAsync("node", ["script.mjs"], directory,
            [new("LOCAL_PROVIDER_BASE_URL", new Uri(server.BaseAddress, "v1").ToString())], TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, $"node script.mjs exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("ok - chat completion answers \"Paris.\"", run.Output);
        Assert.Contains("ok - response answers \"Madrid.\"", run.Output);
        Assert.Contains("ok - streamed completion \"Canberra, not Sydney.\"", run.Output);
        Assert.EndsWith("all checks passed", run.Output.TrimEnd());
    }

    private static string FindNodeCheckDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "openai-node");
            if (File.Exists(Path.Combine(candidate, "package.json"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/openai-node was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string program, string[] arguments, string directory, KeyValuePair<string, string>[] environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (output) return (-1, $"timed out after {timeout}\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
