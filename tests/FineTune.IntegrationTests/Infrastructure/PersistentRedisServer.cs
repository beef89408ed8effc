using System.Diagnostics;

namespace FineTune.IntegrationTests.Infrastructure;

// Debian's redis-server with its append-only file fsynced on every write, in a temporary directory,
// which a test can kill and start again on the same port and directory: nothing written is lost.
public sealed class PersistentRedisServer : IRestartableRedisServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-redis-").FullName;
    private readonly int _port;
    private Process? _process;

    public PersistentRedisServer() =>
        (_process, _port) = Repository.OnSomeFreePort("redis-server", port => TryStart(port) is { } process ? Tuple.Create(process, port) : null);

    public string ConnectionString => $"127.0.0.1:{_port}";

    public void Start() => _process = TryStart(_port) ?? throw new InvalidOperationException($"redis-server could not listen on port {_port} again.");

    private Process? TryStart(int port)
    {
        if (!File.Exists(DebianRedisServer.Executable))
            throw new InvalidOperationException($"{DebianRedisServer.Executable} is missing: apt-get install redis-server (.ci/run does).");
        return DebianRedisServer.TryStart(port, ["--dir", _directory, "--appendonly", "yes", "--appendfsync", "always", "--save", ""]);
    }

    // SIGKILL: only what the append-only file holds survives.
    public async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
