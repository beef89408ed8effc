using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FineTune.Bench;

// The services a benchmark runs, as real processes on loopback ports, from their build output in the
// configuration the benchmark itself was built in (the project references build them first).
public sealed class BenchServices : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Dictionary<Uri, Process> _services = [];
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("finetune-bench-").FullName;

    public static string Root { get; } = FindRoot();
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public string StartRedis()
    {
        var port = FreePort();
        Start("/usr/bin/redis-server", ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], new());
        var connection = $"127.0.0.1:{port}";
        for (var i = 0; i < 100; i++)
        {
            try { using var tcp = new TcpClient("127.0.0.1", port); return connection; }
            catch (SocketException) { Thread.Sleep(50); }
        }
        throw new InvalidOperationException("redis-server did not start");
    }

    public async Task<Uri> StartServiceAsync(string project, Dictionary<string, string> environment)
    {
        var dll = Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build {project} in {Configuration} first.", dll);
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        // Production unless the benchmark needs another: a Web whose pages a browser drives runs in Development.
        environment.TryAdd("ASPNETCORE_ENVIRONMENT", "Production");
        environment["Logging__LogLevel__Default"] = "Warning";
        var process = Start("dotnet", [dll, "--urls", address.ToString()], environment);
        _services[address] = process;
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            if (process.HasExited) throw new InvalidOperationException($"{project} exited with {process.ExitCode}");
            try { if ((await http.GetAsync("/health")).IsSuccessStatusCode) return address; }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
        }
        throw new TimeoutException($"{project} did not become healthy");
    }

    // The Api on the benchmark's Redis, with an admin token; its provider is never called unless settings name one.
    public Task<Uri> StartApiAsync(string redis, string adminToken, Dictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis,
            ["FineTune__Bootstrap__AdminToken"] = adminToken,
            ["FineTune__DataDirectory"] = DataDirectory,
            ["FineTune__Provider__Endpoint"] = "http://127.0.0.1:9/v1",
        };
        foreach (var (key, value) in settings ?? []) environment[key] = value;
        return StartServiceAsync("FineTune.Api", environment);
    }

    // The Web on the benchmark's Redis and Api, for a browser: run from its build output, the Web serves Blazor's script and
    // MudBlazor's files (static web assets of packages) only in Development, as under the AppHost; without them a page never
    // becomes interactive.
    public Task<Uri> StartWebForBrowsersAsync(string redis, Uri api) => StartServiceAsync("FineTune.Web", new()
    {
        ["ConnectionStrings__redis"] = redis,
        ["FineTune__DataDirectory"] = DataDirectory,
        ["services__api__http__0"] = api.ToString().TrimEnd('/'),
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    });

    // One service started here, stopped before the run ends: a Worker started again with other settings.
    public async Task StopServiceAsync(Uri address)
    {
        if (!_services.Remove(address, out var process)) return;
        _processes.Remove(process);
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
    }

    // The process of a service started here, whose own metrics a benchmark reads (ServiceMetrics).
    public int ProcessId(Uri address) => _services[address].Id;

    // CPU time (user + system) one service has used so far, or all the processes started here together (address null).
    public TimeSpan ProcessorTime(Uri? address = null)
    {
        var processes = address is null ? _processes : [_services[address]];
        return processes.Aggregate(TimeSpan.Zero, (sum, process) =>
        {
            process.Refresh();
            return sum + process.TotalProcessorTime;
        });
    }

    private Process Start(string file, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info)!;
        var name = Path.GetFileName(args.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) ?? file);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine($"  [{name}] {line}");
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Console.Error.WriteLine($"  [{Path.GetFileName(file)}] {line}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FineTuneAspire.sln"))) return d.FullName;
        throw new InvalidOperationException("Run inside the FineTune repository.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
