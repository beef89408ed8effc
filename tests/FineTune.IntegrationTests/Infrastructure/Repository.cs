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

    public static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
