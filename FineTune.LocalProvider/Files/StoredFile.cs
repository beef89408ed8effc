namespace FineTune.LocalProvider.Files;

public sealed record StoredFile(string Id, string Filename, string Purpose, long Bytes, DateTimeOffset CreatedAt)
{
    public FileObject ToObject() => new(Id, Bytes, CreatedAt.ToUnixTimeSeconds(), Filename, Purpose, "processed", null, null);
}

public sealed record FileObject(string Id, long Bytes, long CreatedAt, string Filename, string Purpose, string Status, long? ExpiresAt, string? StatusDetails)
{
    public string Object => "file";
}

public sealed record DeletedObject(string Id, string Object, bool Deleted);
