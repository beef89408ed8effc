using Garnet;

// A Redis-compatible server for machines without a container runtime.
// The AppHost gives the port in GARNET_PORT and the data folder in FineTune__DataDirectory.
var port = Environment.GetEnvironmentVariable("GARNET_PORT") ?? "6379";
var dataDirectory = Environment.GetEnvironmentVariable("FineTune__DataDirectory")
    ?? Path.Combine(AppContext.BaseDirectory, "data");
var checkpointDirectory = Path.Combine(dataDirectory, "garnet");
Directory.CreateDirectory(checkpointDirectory);

string[] garnetArgs =
[
    "--bind", "127.0.0.1",
    "--port", port,
    // The append-only file plus recovery makes a restart lose nothing.
    "--aof", "--recover",
    "--checkpointdir", checkpointDirectory,
    // The default native device needs libaio, which Debian does not ship by default.
    "--device-type", "RandomAccess",
    .. args,
];

using var server = new GarnetServer(garnetArgs);
server.Start();
Console.WriteLine($"Garnet listening on 127.0.0.1:{port}, data in {checkpointDirectory}");

var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
await stopped.Task;
