using System.Collections.Concurrent;
using System.Diagnostics;

namespace FineTune.IntegrationTests.Infrastructure;

// A FineTune service started from its build output as a real process on a loopback port, which a test
// can kill (SIGKILL, as a crash would) and start again on the same port, so clients that reconnect
// find it where it was. The first start binds port 0 and reads back the port Kestrel chose.
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string _project;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private Uri? _baseAddress;

    private ServiceProcess(string project, IReadOnlyDictionary<string, string> environment)
    {
        _project = project;
        _environment = environment;
    }

    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException($"{_project} has not started yet.");
    public string Name => _project;
    public string Output => string.Join(Environment.NewLine, _output);
    public bool IsRunning => _process is { HasExited: false };
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"{_project} is not running.");

    public static async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> environment)
    {
        var service = new ServiceProcess(project, environment);
        await service.StartAgainAsync();
        return service;
    }

    public async Task StartAgainAsync()
    {
        if (IsRunning) throw new InvalidOperationException($"{_project} is already running.");
        var dll = Repository.ServiceDll(_project);
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build {_project} first.", dll);

        var startInfo = new ProcessStartInfo("dotnet", [dll, "--urls", _baseAddress?.ToString() ?? "http://127.0.0.1:0"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        startInfo.Environment["Logging__LogLevel__Default"] = "Warning";
        // Kestrel says where it listens at this level; a first start reads its port from that line.
        startInfo.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in _environment) startInfo.Environment[key] = value;

        _output.Enqueue($"--- starting {_project} ---");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _output.Enqueue(e.Data);
            var at = e.Data.IndexOf(ListeningOn, StringComparison.Ordinal);
            if (at >= 0) listening.TrySetResult(new Uri(e.Data[(at + ListeningOn.Length)..].Trim()));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _baseAddress ??= await ListeningAddressAsync(process, listening.Task);
        await WaitUntilHealthyAsync(process);
    }

    private const string ListeningOn = "Now listening on: ";

    private async Task<Uri> ListeningAddressAsync(Process process, Task<Uri> listening)
    {
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening, exited).WaitAsync(TimeSpan.FromSeconds(90));
        if (first == exited) throw new InvalidOperationException($"{_project} exited with {process.ExitCode}:\n{Output}");
        return await listening;
    }

    // SIGKILL: no shutdown code runs, as when a machine dies.
    public async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _output.Enqueue($"--- {_project} killed ---");
        _process.Dispose();
        _process = null;
    }

    private async Task WaitUntilHealthyAsync(Process process)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                // Waiting for the exit also waits for the last lines of output: the reason it stopped.
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"{_project} exited with {process.ExitCode}:\n{Output}");
            }
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{_project} did not become healthy:\n{Output}");
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
