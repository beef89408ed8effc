using System.Diagnostics;

namespace FineTune.AppHost;

public static class ContainerRuntime
{
    // True when Docker or Podman answers; a client without an engine (as on our CI) does not.
    public static bool Answers() => Answers("docker") || Answers("podman");

    private static bool Answers(string client)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(client, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null) return false;
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
