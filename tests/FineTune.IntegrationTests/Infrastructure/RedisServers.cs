using System.Diagnostics;
using Garnet;
using StackExchange.Redis;

namespace FineTune.IntegrationTests.Infrastructure;

// The Redis-compatible servers FineTune must work with: Garnet (what the AppHost runs here)
// and Debian's redis-server.
public interface IRedisServer : IAsyncDisposable
{
    string ConnectionString { get; }
}

public sealed class GarnetRedisServer : IRedisServer
{
    private readonly GarnetServer _server;

    public GarnetRedisServer()
    {
        var port = Repository.FreeTcpPort();
        _server = new GarnetServer(["--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)]);
        _server.Start();
        ConnectionString = $"127.0.0.1:{port}";
    }

    public string ConnectionString { get; }

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class DebianRedisServer : IRedisServer
{
    public const string Executable = "/usr/bin/redis-server";
    private readonly Process _process;

    public DebianRedisServer()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing: apt-get install redis-server (.ci/run does).");
        var port = Repository.FreeTcpPort();
        string[] arguments = ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
        _process = Process.Start(new ProcessStartInfo(Executable, arguments)
        {
            RedirectStandardOutput = true,
        })!;
        ConnectionString = $"127.0.0.1:{port}";
        WaitUntilAnswering();
    }

    public string ConnectionString { get; }

    private void WaitUntilAnswering()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var connection = ConnectionMultiplexer.Connect(ConnectionString + ",connectTimeout=500");
                if (connection.IsConnected) return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
