namespace FineTune.IntegrationTests.Infrastructure;

public static class Repository
{
    public static string Root { get; } = FindRoot();

    // The tests run in the configuration they were built in; so do the services they start.
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string ServiceDll(string project) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");

    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FineTuneAspire.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("The tests must run inside the FineTune repository.");
    }

    // A port nothing listens on right now: for addresses that must refuse connections, and for the Redis
    // servers, which cannot bind port 0 and say which port they took (see OnSomeFreePort).
    public static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Another process may take a free port before the server binds it: then the server does not start
    // (tryStart returns null) and it tries again on another port.
    public static T OnSomeFreePort<T>(string server, Func<int, T?> tryStart) where T : class
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (tryStart(FreeTcpPort()) is { } started) return started;
        }
        throw new InvalidOperationException($"{server} found no free port in 5 attempts.");
    }
}
