using System.Text;
using System.Text.Json;
using FineTune.LocalProvider.OpenAI;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.FineTuning;

// Keeps jobs on disk under <data>/jobs: <id>.json holds the job's state, rewritten whole (through a
// temporary file and a rename, so a crash leaves the old or the new state, never half of one) on
// every change; <id>.events.jsonl holds its events, one appended line each.
public sealed class JobJournal
{
    private readonly string _directory;
    private readonly ILogger<JobJournal> _logger;

    public JobJournal(IOptions<LocalProviderOptions> options, ILogger<JobJournal> logger)
    {
        _directory = Path.Combine(options.Value.DataDirectory, "jobs");
        _logger = logger;
        Directory.CreateDirectory(_directory);
    }

    public void Save(JobState state)
    {
        var path = Path.Combine(_directory, state.Id + ".json");
        File.WriteAllText(path + ".partial", JsonSerializer.Serialize(state, OpenAIJson.Options));
        File.Move(path + ".partial", path, overwrite: true);
    }

    public void Append(string jobId, JobEventObject jobEvent) =>
        File.AppendAllText(EventsPath(jobId), JsonSerializer.Serialize(jobEvent, OpenAIJson.Options) + "\n", Encoding.UTF8);

    public IEnumerable<(JobState State, List<JobEventObject> Events)> LoadAll()
    {
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            JobState? state;
            try
            {
                state = JsonSerializer.Deserialize<JobState>(File.ReadAllText(path), OpenAIJson.Options);
            }
            catch (JsonException exception)
            {
                _logger.LogWarning(exception, "Skipping unreadable job file {Path}", path);
                continue;
            }
            if (state is not null) yield return (state, LoadEvents(state.Id));
        }
    }

    private List<JobEventObject> LoadEvents(string jobId)
    {
        var events = new List<JobEventObject>();
        if (!File.Exists(EventsPath(jobId))) return events;
        foreach (var line in File.ReadLines(EventsPath(jobId)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                events.Add(JsonSerializer.Deserialize<JobEventObject>(line, OpenAIJson.Options)!);
            }
            catch (JsonException)
            {
                // Only the last line can be torn, by a crash in the middle of writing it.
                _logger.LogWarning("Skipping a torn event line of job {JobId}", jobId);
            }
        }
        return events;
    }

    private string EventsPath(string jobId) => Path.Combine(_directory, jobId + ".events.jsonl");
}
