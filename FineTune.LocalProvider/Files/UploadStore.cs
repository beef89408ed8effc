using System.Collections.Concurrent;
using FineTune.LocalProvider.OpenAI;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Files;

public sealed record UploadObject(string Id, long Bytes, long CreatedAt, long ExpiresAt, string Filename, string Purpose, string Status, FileObject? File)
{
    public string Object => "upload";
}

public sealed record UploadPartObject(string Id, long CreatedAt, string UploadId)
{
    public string Object => "upload.part";
}

// Uploads in progress: their parts wait under <data>/uploads/<upload id>/ until the upload is
// completed into one file of the FileStore, or cancelled. An upload in progress does not survive a
// restart (OpenAI's expire within an hour anyway); the files they make do.
public sealed class UploadStore(IOptions<LocalProviderOptions> options, FileStore files, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly string _directory = Path.Combine(options.Value.DataDirectory, "uploads");
    private readonly ConcurrentDictionary<string, Upload> _uploads = new();

    public UploadObject Create(string filename, string purpose, long bytes)
    {
        var now = time.GetUtcNow();
        var upload = new Upload(OpenAIIds.New("upload_"), filename, purpose, bytes, now);
        Directory.CreateDirectory(PartsDirectory(upload.Id));
        _uploads[upload.Id] = upload;
        return upload.ToObject();
    }

    public UploadObject? Find(string id) => _uploads.TryGetValue(id, out var upload) ? upload.ToObject() : null;

    // Errors are the message OpenAI would give; null error means success.
    public async Task<(UploadPartObject? Part, string? Error)> AddPartAsync(string uploadId, Stream data, CancellationToken cancellationToken)
    {
        if (!_uploads.TryGetValue(uploadId, out var upload)) return (null, null);
        if (upload.Status != "pending") return (null, $"Upload {uploadId} is {upload.Status}; parts can only be added while it is pending.");
        var id = OpenAIIds.New("part_");
        var path = Path.Combine(PartsDirectory(uploadId), id);
        await using (var target = File.Create(path))
            await data.CopyToAsync(target, cancellationToken);
        var length = new FileInfo(path).Length;
        lock (upload)
        {
            if (upload.Status != "pending")
            {
                File.Delete(path);
                return (null, $"Upload {uploadId} is {upload.Status}; parts can only be added while it is pending.");
            }
            upload.Parts[id] = length;
        }
        return (new UploadPartObject(id, time.GetUtcNow().ToUnixTimeSeconds(), uploadId), null);
    }

    public async Task<(UploadObject? Upload, string? Error)> CompleteAsync(string uploadId, IReadOnlyList<string> partIds, CancellationToken cancellationToken)
    {
        if (!_uploads.TryGetValue(uploadId, out var upload)) return (null, null);
        lock (upload)
        {
            if (upload.Status != "pending") return (null, $"Upload {uploadId} is {upload.Status}; only a pending upload can be completed.");
            if (partIds.FirstOrDefault(id => !upload.Parts.ContainsKey(id)) is { } unknown) return (null, $"Part {unknown} does not belong to upload {uploadId}.");
            if (partIds.Distinct().Count() != partIds.Count) return (null, "part_ids must not repeat a part.");
            var total = partIds.Sum(id => upload.Parts[id]);
            if (total != upload.Bytes) return (null, $"The parts hold {total} bytes, but the upload was created for {upload.Bytes} bytes.");
            upload.Status = "completing";
        }

        await using var content = new ConcatenatedParts(partIds.Select(id => Path.Combine(PartsDirectory(uploadId), id)).ToList());
        var file = await files.SaveAsync(content, upload.Filename, upload.Purpose, cancellationToken);
        lock (upload)
        {
            upload.Status = "completed";
            upload.File = file.ToObject();
        }
        Directory.Delete(PartsDirectory(uploadId), recursive: true);
        return (upload.ToObject(), null);
    }

    public (UploadObject? Upload, string? Error) Cancel(string uploadId)
    {
        if (!_uploads.TryGetValue(uploadId, out var upload)) return (null, null);
        lock (upload)
        {
            if (upload.Status != "pending") return (null, $"Upload {uploadId} is {upload.Status}; only a pending upload can be cancelled.");
            upload.Status = "cancelled";
        }
        Directory.Delete(PartsDirectory(uploadId), recursive: true);
        return (upload.ToObject(), null);
    }

    private string PartsDirectory(string uploadId) => Path.Combine(_directory, uploadId);

    private sealed class Upload(string id, string filename, string purpose, long bytes, DateTimeOffset createdAt)
    {
        public string Id { get; } = id;
        public string Filename { get; } = filename;
        public string Purpose { get; } = purpose;
        public long Bytes { get; } = bytes;
        public Dictionary<string, long> Parts { get; } = [];
        public string Status { get; set; } = "pending";
        public FileObject? File { get; set; }

        public UploadObject ToObject()
        {
            lock (this)
                return new UploadObject(Id, Bytes, createdAt.ToUnixTimeSeconds(), (createdAt + Lifetime).ToUnixTimeSeconds(), Filename, Purpose,
                    Status == "completing" ? "pending" : Status, File);
        }
    }

    // The parts, read one after the other, so that completing an upload never holds it in memory.
    private sealed class ConcatenatedParts(IReadOnlyList<string> paths) : Stream
    {
        private int _index = -1;
        private FileStream? _current;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (++_index >= paths.Count) return 0;
                    _current = File.OpenRead(paths[_index]);
                }
                var read = await _current.ReadAsync(buffer, cancellationToken);
                if (read > 0) return read;
                await _current.DisposeAsync();
                _current = null;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _current?.Dispose();
            base.Dispose(disposing);
        }
    }
}
