using System.Security.Cryptography;

namespace FineTune.Data;

public sealed record StoredBlob(string Sha256, long Bytes);

// Content-addressed files under the data directory: providers do not give fine-tune files back,
// so FineTune keeps its own copy of every dataset version. Streams in, never held in memory.
public sealed class BlobStore(string directory)
{
    public async Task<StoredBlob> PutAsync(Stream content, CancellationToken cancellationToken)
    {
        await using var writer = CreateWriter();
        await content.CopyToAsync(writer.Stream, 81920, cancellationToken);
        return await writer.CommitAsync(cancellationToken);
    }

    // A new blob written piece by piece (an edited copy, the parts of a split); named by its hash on commit.
    public BlobWriter CreateWriter()
    {
        var incoming = Path.Combine(directory, "incoming");
        Directory.CreateDirectory(incoming);
        return new BlobWriter(this, Path.Combine(incoming, Guid.NewGuid().ToString("N")));
    }

    // Every stored blob by its SHA-256: not the sidecars beside them, nor files still being written.
    public IEnumerable<string> List() =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(path => Path.GetFileName(path)).Where(IsSha256)
            : [];

    public Stream OpenRead(string sha256) =>
        new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);

    // Derived files kept beside a blob (its line index): as immutable as the blob itself.
    public string SidecarPath(string sha256, string extension) => PathOf(sha256) + "." + extension;

    internal StoredBlob Commit(string temporary, string sha256, long bytes)
    {
        var path = PathOf(sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(temporary, path, overwrite: true);
        return new StoredBlob(sha256, bytes);
    }

    private string PathOf(string sha256)
    {
        if (!IsSha256(sha256)) throw new ArgumentException("A blob is named by its lower-case SHA-256.", nameof(sha256));
        return Path.Combine(directory, sha256[..2], sha256);
    }

    private static bool IsSha256(string? name) => name is { Length: 64 } && name.All(char.IsAsciiHexDigitLower);
}

// Hashes what is written as it goes to a temporary file; CommitAsync moves it to its content address.
// Disposed without a commit, the temporary file is deleted.
public sealed class BlobWriter : IAsyncDisposable
{
    private readonly BlobStore _store;
    private readonly string _temporary;
    private readonly HashingStream _stream;
    private bool _committed;

    internal BlobWriter(BlobStore store, string temporary)
    {
        _store = store;
        _temporary = temporary;
        _stream = new HashingStream(new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous));
    }

    public Stream Stream => _stream;

    public async Task<StoredBlob> CommitAsync(CancellationToken cancellationToken)
    {
        await _stream.FlushAsync(cancellationToken);
        var sha256 = _stream.Sha256();
        var bytes = _stream.Length;
        await _stream.DisposeAsync();
        _committed = true;
        return _store.Commit(_temporary, sha256, bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        if (!_committed) File.Delete(_temporary);
    }

    private sealed class HashingStream(FileStream file) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;
        private bool _disposed;

        public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            file.Write(buffer);
            _length += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            _length += buffer.Length;
            return file.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => file.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            await file.DisposeAsync();
            _hash.Dispose();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                file.Dispose();
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
