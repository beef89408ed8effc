using System.Net;
using System.Net.Http.Json;

namespace FineTune.Cli;

// What the commands that talk to a FineTune server share: where it is, and how its answers (or silence) become a result or a
// CommandException that says what went wrong.
public static class ServerCalls
{
    public const string ServerVariable = "FINETUNE_SERVER";

    // Relative paths are joined to the address: a trailing slash keeps its last segment ("/v1") in them.
    public static bool TryAddress(string text, string source, out Uri address, out string? problem)
    {
        problem = null;
        if (Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out address!) && address.Scheme is "http" or "https") return true;
        problem = $"{source} is \"{text}\"; it needs an http or https address.";
        return false;
    }

    // The answer's body, or what is wrong: the Api's status and problem, or that it could not be reached.
    public static async Task<T> ReadAsync<T>(HttpClient http, Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await send();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CommandException($"Cannot reach the FineTune Api at {http.BaseAddress} (--server or {ServerVariable}): {e.Message}");
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                var problem = await CommandException.FromResponseAsync(response, cancellationToken);
                throw new CommandException($"{problem.Message} (the token from --token or {AdminCommand.TokenVariable} is not accepted)");
            }
            if (!response.IsSuccessStatusCode) throw await CommandException.FromResponseAsync(response, cancellationToken);
            return (await response.Content.ReadFromJsonAsync<T>(FineTuneJson.Options, cancellationToken))!;
        }
    }
}
