using System.Diagnostics;
using StackExchange.Redis;

namespace FineTune.IntegrationTests.Infrastructure;

// Debian's redis-server with its append-only file fsynced on every write, in a temporary directory,
// which a test can kill and start again on the same port and directory: nothing written is lost.
public sealed class PersistentRedisServer : IRestartableRedisServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-redis-").FullName;
    private readonly int _port = Repository.FreeTcpPort();
    private Process? _process;

    public PersistentRedisServer() => Start();

    public string ConnectionString => $"127.0.0.1:{_port}";

    public void Start()
    {
        if (!File.Exists(DebianRedisServer.Executable))
            throw new InvalidOperationException($"{DebianRedisServer.Executable} is missing: apt-get install redis-server (.ci/run does).");
        _process = Process.Start(new ProcessStartInfo(DebianRedisServer.Executable,
            ["--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""])
        {
            RedirectStandardOutput = true,
        })!;
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var connection = ConnectionMultiplexer.Connect(ConnectionString + ",connectTimeout=500");
                if (connection.IsConnected && !connection.GetDatabase().Ping().Equals(TimeSpan.MinValue)) return;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
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
