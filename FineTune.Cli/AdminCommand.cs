using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FineTune.Cli;

// finetune admin backup DIR [--api URL]: the server owner's backup of the whole server, through the Api.
// The token comes from FINETUNE_TOKEN rather than the command line, where other users of the machine see it.
public static class AdminCommand
{
    public const int Done = 0;
    public const int Failed = 1;
    public const string TokenVariable = "FINETUNE_TOKEN";
    public const string DefaultApi = "http://localhost:5081";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        if (args is not ["backup", ..]) return await FineTuneCommand.UsageAsync(error, "The admin command is \"finetune admin backup DIR\".");

        string? directory = null;
        var api = DefaultApi;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--api" when i + 1 < args.Length: api = args[++i]; break;
                case "--api": return await FineTuneCommand.UsageAsync(error, "--api needs the Api's address, such as http://localhost:5081.");
                case var option when option.StartsWith("--api=", StringComparison.Ordinal): api = option["--api=".Length..]; break;
                case var option when option.StartsWith('-'): return await FineTuneCommand.UsageAsync(error, $"Unknown option \"{option}\".");
                case var path when directory is null: directory = Path.GetFullPath(path); break;
                default: return await FineTuneCommand.UsageAsync(error, $"Only one DIR; \"{args[i]}\" is one too many.");
            }
        }
        if (directory is null) return await FineTuneCommand.UsageAsync(error, "Which new directory DIR should the backup go to?");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            return await FineTuneCommand.UsageAsync(error, $"{directory} is not empty; a backup goes to a new or empty directory.");
        if (!Uri.TryCreate(api, UriKind.Absolute, out var apiAddress))
            return await FineTuneCommand.UsageAsync(error, $"\"{api}\" is not an address such as http://localhost:5081.");
        if (environment(TokenVariable) is not { Length: > 0 } token)
            return await FineTuneCommand.UsageAsync(error, $"Set {TokenVariable} to the admin token (or a token the admin made).");

        try
        {
            var manifest = await BackupAsync(apiAddress, token, directory, cancellationToken);
            await output.WriteLineAsync($"Backed up {manifest.Keys} Redis keys and {manifest.Blobs} dataset files to {directory}");
            return Done;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"finetune: the backup failed: {e.Message}");
            return Failed;
        }
    }

    // Unpacked beside DIR first and moved into place once complete, so DIR never holds half a backup.
    private static async Task<BackupManifest> BackupAsync(Uri api, string token, string directory, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.GetAsync("/api/admin/backup", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new HttpRequestException(response.StatusCode == HttpStatusCode.Unauthorized
                ? $"the Api at {api} does not accept the token in {TokenVariable}."
                : "only the server's owner (the admin account) may take a backup.");
        }
        response.EnsureSuccessStatusCode();

        var incomplete = $"{directory}.incomplete-{Guid.NewGuid():N}";
        // The backup holds everything the server knows: readable by its owner only.
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(incomplete);
        else Directory.CreateDirectory(incomplete, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await using (var archive = await response.Content.ReadAsStreamAsync(cancellationToken))
                await TarFile.ExtractToDirectoryAsync(archive, incomplete, overwriteFiles: false, cancellationToken);
            var manifestPath = Path.Combine(incomplete, BackupManifest.FileName);
            if (!File.Exists(manifestPath)) throw new InvalidDataException("the Api's archive ended before its manifest.");
            var manifest = JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(manifestPath, cancellationToken), FineTuneJson.Options)!;

            if (Directory.Exists(directory)) Directory.Delete(directory);
            Directory.Move(incomplete, directory);
            return manifest;
        }
        finally
        {
            if (Directory.Exists(incomplete)) Directory.Delete(incomplete, recursive: true);
        }
    }
}
