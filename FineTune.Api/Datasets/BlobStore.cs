using System.Security.Cryptography;

namespace FineTune.Api.Datasets;

public sealed record StoredBlob(string Sha256, long Bytes);

// Content-addressed files under the data directory: providers do not give fine-tune files back,
// so FineTune keeps its own copy of every dataset version. Streams in, never held in memory.
public sealed class BlobStore(string directory)
{
    public async Task<StoredBlob> PutAsync(Stream content, CancellationToken cancellationToken)
    {
        var incoming = Path.Combine(directory, "incoming");
        Directory.CreateDirectory(incoming);
        var temporary = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        await using (var file = File.Create(temporary))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                bytes += read;
            }
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        var path = PathOf(sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(temporary, path, overwrite: true);
        return new StoredBlob(sha256, bytes);
    }

    public Stream OpenRead(string sha256) => File.OpenRead(PathOf(sha256));

    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
            throw new ArgumentException("A blob is named by its lower-case SHA-256.", nameof(sha256));
        return Path.Combine(directory, sha256[..2], sha256);
    }
}
