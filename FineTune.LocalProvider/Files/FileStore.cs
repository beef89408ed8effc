using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Files;

// Uploaded files on disk under <data>/files: the content as <id>, its metadata as <id>.json, so
// that files survive a restart.
public sealed class FileStore
{
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger<FileStore> _logger;
    private readonly ConcurrentDictionary<string, StoredFile> _files = new();

    public FileStore(IOptions<LocalProviderOptions> options, TimeProvider time, ILogger<FileStore> logger)
    {
        _directory = Path.Combine(options.Value.DataDirectory, "files");
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(_directory);
        foreach (var metadata in Directory.EnumerateFiles(_directory, "*.json"))
        {
            var file = FineTuneJson.Deserialize<StoredFile>(File.ReadAllText(metadata));
            if (File.Exists(ContentPath(file.Id))) _files[file.Id] = file;
        }
        _logger.LogInformation("Serving {FileCount} files from {Directory}", _files.Count, _directory);
    }

    public async Task<StoredFile> SaveAsync(Stream content, string filename, string purpose, CancellationToken cancellationToken)
    {
        var id = OpenAI.OpenAIIds.New("file-");
        var path = ContentPath(id);
        var partial = path + ".partial";
        long bytes;
        await using (var target = File.Create(partial))
        {
            await content.CopyToAsync(target, cancellationToken);
            bytes = target.Length;
        }
        File.Move(partial, path);
        var file = new StoredFile(id, filename, purpose, bytes, _time.GetUtcNow());
        await File.WriteAllTextAsync(path + ".json", FineTuneJson.Serialize(file), cancellationToken);
        _files[id] = file;
        _logger.LogInformation("Stored file {FileId} ({Filename}, {Bytes} bytes, purpose {Purpose})", id, filename, bytes, purpose);
        return file;
    }

    public StoredFile? Find(string id) => _files.GetValueOrDefault(id);

    public IReadOnlyList<StoredFile> All() => _files.Values.ToList();

    public Stream OpenRead(StoredFile file) => File.OpenRead(ContentPath(file.Id));

    public bool Delete(string id)
    {
        if (!_files.TryRemove(id, out _)) return false;
        File.Delete(ContentPath(id) + ".json");
        File.Delete(ContentPath(id));
        _logger.LogInformation("Deleted file {FileId}", id);
        return true;
    }

    private string ContentPath(string id) => Path.Combine(_directory, id);
}
