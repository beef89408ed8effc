using System.Diagnostics;
using System.Net.Sockets;
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
        var (server, port) = Repository.OnSomeFreePort("Garnet", port =>
        {
            var server = new GarnetServer(["--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)]);
            try
            {
                server.Start();
                return Tuple.Create(server, port);
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                server.Dispose();
                return null;
            }
        });
        _server = server;
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
        var (process, port) = Repository.OnSomeFreePort("redis-server",
            port => TryStart(port, ["--save", "", "--appendonly", "no"]) is { } started ? Tuple.Create(started, port) : null);
        _process = process;
        ConnectionString = $"127.0.0.1:{port}";
    }

    public string ConnectionString { get; }

    // redis-server on this port, once it answers; null when it could not listen there. Whoever answers
    // must be the process started here (INFO's process_id), not another server that holds the port.
    public static Process? TryStart(int port, IEnumerable<string> arguments)
    {
        var process = Process.Start(new ProcessStartInfo(Executable, ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", .. arguments])
        {
            RedirectStandardOutput = true,
        })!;
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!process.HasExited)
        {
            try
            {
                using var connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port},connectTimeout=500,allowAdmin=true");
                var info = connection.GetServer($"127.0.0.1:{port}").InfoRaw("server") ?? "";
                if (info.Contains($"process_id:{process.Id}\r\n", StringComparison.Ordinal)) return process;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"redis-server did not answer on port {port}.");
            Thread.Sleep(50);
        }
        process.Dispose();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
