namespace FineTune.Contracts;

// What a backup of the server holds (GET /api/admin/backup, `finetune admin backup DIR`): its Redis keys in
// redis.jsonl, its dataset files under blobs/, and this manifest in backup.json. The manifest comes last,
// so a backup that has one is complete.
public sealed record BackupManifest(DateTimeOffset CreatedAt, int Keys, int Blobs)
{
    public const string FileName = "backup.json";
    public const string RedisFileName = "redis.jsonl";
    public const string BlobsDirectory = "blobs";
}
