using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace FineTune.Api.Backups;

// A backup of the whole server as a tar archive (BackupManifest names its files): one snapshot of every
// FineTune key in Redis, then every dataset blob. Blobs never change and are stored before the records
// that name them, so the blobs on disk after the snapshot include every one it names. The certificate that
// encrypts the key rings is not in it: kept apart, it is what makes a copy of the data useless on its own.
public sealed partial class ServerBackup(IConnectionMultiplexer redis, BlobStore blobs, TimeProvider time, ILogger<ServerBackup> logger)
{
    // A sorted set's score may be infinite.
    private static readonly JsonSerializerOptions Json = new(FineTuneJson.Options) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    // On a connection of its own that may send KEYS, which StackExchange.Redis counts among admin commands.
    public async Task<IReadOnlyList<RedisEntry>> SnapshotAsync()
    {
        var options = ConfigurationOptions.Parse(redis.Configuration);
        options.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        return await RedisSnapshot.ReadAsync(connection.GetDatabase(), time.GetUtcNow());
    }

    public async Task WriteAsync(IReadOnlyList<RedisEntry> snapshot, Stream output, CancellationToken cancellationToken)
    {
        await using var archive = new TarWriter(output, leaveOpen: true);

        using var keys = new MemoryStream();
        foreach (var entry in snapshot)
        {
            JsonSerializer.Serialize(keys, entry, Json);
            keys.WriteByte((byte)'\n');
        }
        await WriteFileAsync(archive, BackupManifest.RedisFileName, keys, cancellationToken);

        var blobCount = 0;
        foreach (var sha256 in blobs.List())
        {
            await using var blob = blobs.OpenRead(sha256);
            await WriteFileAsync(archive, $"{BackupManifest.BlobsDirectory}/{sha256[..2]}/{sha256}", blob, cancellationToken);
            blobCount++;
        }

        var manifest = new BackupManifest(time.GetUtcNow(), snapshot.Count, blobCount);
        using var manifestFile = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, FineTuneJson.Options));
        await WriteFileAsync(archive, BackupManifest.FileName, manifestFile, cancellationToken);
        LogTaken(manifest.Keys, manifest.Blobs);
    }

    // Loads a backup directory (the archive unpacked) into this server's Redis and blob store: the blobs first,
    // so no record is ever without its file. Checked against its manifest before anything is written.
    public async Task<BackupManifest> RestoreAsync(string directory, CancellationToken cancellationToken)
    {
        var manifestPath = Path.Combine(directory, BackupManifest.FileName);
        if (!File.Exists(manifestPath)) throw new InvalidDataException($"{directory} holds no complete backup: it has no {BackupManifest.FileName}.");
        var manifest = JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(manifestPath, cancellationToken), FineTuneJson.Options)!;
        var keysPath = Path.Combine(directory, BackupManifest.RedisFileName);
        var blobsPath = Path.Combine(directory, BackupManifest.BlobsDirectory);
        var blobFiles = Directory.Exists(blobsPath) ? Directory.GetFiles(blobsPath, "*", SearchOption.AllDirectories) : [];
        var keyCount = File.ReadLines(keysPath).Count();
        if (keyCount != manifest.Keys || blobFiles.Length != manifest.Blobs)
        {
            throw new InvalidDataException(
                $"The backup in {directory} is incomplete: its manifest lists {manifest.Keys} keys and {manifest.Blobs} blobs, it holds {keyCount} and {blobFiles.Length}.");
        }

        foreach (var path in blobFiles)
        {
            await using var file = File.OpenRead(path);
            var stored = await blobs.PutAsync(file, cancellationToken);
            if (stored.Sha256 != Path.GetFileName(path))
                throw new InvalidDataException($"The blob {path} is damaged: its content's SHA-256 is {stored.Sha256}.");
        }
        var db = redis.GetDatabase();
        foreach (var line in File.ReadLines(keysPath))
        {
            await RedisSnapshot.WriteAsync(db, JsonSerializer.Deserialize<RedisEntry>(line, Json)!, time.GetUtcNow());
        }
        return manifest;
    }

    private static async Task WriteFileAsync(TarWriter archive, string name, Stream content, CancellationToken cancellationToken)
    {
        content.Position = 0;
        await archive.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = content }, cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Backup taken: {Keys} Redis keys and {Blobs} blobs")]
    private partial void LogTaken(int keys, int blobs);
}
