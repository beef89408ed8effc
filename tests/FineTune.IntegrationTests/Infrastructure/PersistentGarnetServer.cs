using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;

namespace FineTune.IntegrationTests.Infrastructure;

// A Redis-compatible server with persistence that a test can kill (SIGKILL) and start again on the same
// port and data directory: whatever it acknowledged before the kill must be there after the restart.
public interface IRestartableRedisServer : IAsyncDisposable
{
    string ConnectionString { get; }
    void Start();
    Task KillAsync();
}

// FineTune.Garnet, the process the AppHost runs when there is no container runtime, from its build
// output: Garnet with its append-only file and recovery on start (see FineTune.Garnet/Program.cs).
public sealed class PersistentGarnetServer : IRestartableRedisServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-garnet-").FullName;
    private readonly int _port;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public PersistentGarnetServer() =>
        (_process, _port) = Repository.OnSomeFreePort("Garnet", port => TryStart(port) is { } process ? Tuple.Create(process, port) : null);

    public string ConnectionString => $"127.0.0.1:{_port}";
    public string Output => string.Join(Environment.NewLine, _output);

    public void Start() => _process = TryStart(_port) ?? throw new InvalidOperationException($"Garnet could not listen on port {_port} again:\n{Output}");

    // The process on this port once it has recovered; null when another process holds the port.
    private Process? TryStart(int port)
    {
        var dll = Repository.ServiceDll("FineTune.Garnet");
        if (!File.Exists(dll)) throw new FileNotFoundException("Build FineTune.Garnet first.", dll);
        var startInfo = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["GARNET_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        startInfo.Environment["FineTune__DataDirectory"] = _directory;
        _output.Enqueue("--- starting Garnet ---");
        // FineTune.Garnet says so once it has bound its port: before that, whoever answers there is not it.
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _output.Enqueue(e.Data);
            if (e.Data.StartsWith("Garnet listening on", StringComparison.Ordinal)) listening.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (Task.WaitAny([listening.Task, process.WaitForExitAsync()], TimeSpan.FromSeconds(30)) != 0)
        {
            if (!process.HasExited) throw new TimeoutException($"Garnet did not start on port {port}:\n{Output}");
            if (Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) return null;
            throw new InvalidOperationException($"Garnet exited with {process.ExitCode}:\n{Output}");
        }

        // Answering PING means recovery (checkpoint + append-only file replay) is done.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"Garnet exited with {process.ExitCode}:\n{Output}");
            try
            {
                using var connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port},connectTimeout=500");
                if (connection.IsConnected)
                {
                    connection.GetDatabase().Ping();
                    return process;
                }
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"Garnet did not answer on port {port}:\n{Output}");
            Thread.Sleep(50);
        }
    }

    // SIGKILL: only what the append-only file holds survives.
    public async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _output.Enqueue("--- Garnet killed ---");
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
