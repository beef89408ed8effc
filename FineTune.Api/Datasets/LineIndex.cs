using System.Buffers.Binary;
using System.Text;

namespace FineTune.Api.Datasets;

// Where each line of a stored dataset starts, kept beside the blob (built once, on first use, by one
// streaming pass), so any page of examples is a seek instead of a scan from the top. The file is the
// little-endian start offset of every line, then the blob's length; lines are numbered as the checker
// numbers them (a final line end does not start another line).
public sealed class LineIndex
{
    private const string Extension = "lines";
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private readonly BlobStore _blobs;
    private readonly string _sha256;
    private readonly string _path;

    private LineIndex(BlobStore blobs, string sha256, string path, int lineCount)
    {
        _blobs = blobs;
        _sha256 = sha256;
        _path = path;
        LineCount = lineCount;
    }

    public int LineCount { get; }

    public static async Task<LineIndex> OpenAsync(BlobStore blobs, string sha256, CancellationToken cancellationToken)
    {
        var path = blobs.SidecarPath(sha256, Extension);
        if (!File.Exists(path)) await BuildAsync(blobs, sha256, path, cancellationToken);
        var entries = new FileInfo(path).Length / sizeof(long);
        return new LineIndex(blobs, sha256, path, (int)(entries - 1));
    }

    // Byte ranges [start, end) of lines first..first+count-1 (1-based), line ends included.
    public async Task<long[]> ReadBoundariesAsync(int firstLine, int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[(count + 1) * sizeof(long)];
        await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
        file.Seek((long)(firstLine - 1) * sizeof(long), SeekOrigin.Begin);
        await file.ReadExactlyAsync(bytes, cancellationToken);
        var boundaries = new long[count + 1];
        for (var i = 0; i <= count; i++) boundaries[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * sizeof(long)));
        return boundaries;
    }

    // Lines first..first+count-1 as text, without their line ends (and without a byte order mark on line 1).
    public async Task<IReadOnlyList<(int Line, string Text)>> ReadLinesAsync(int firstLine, int count, CancellationToken cancellationToken)
    {
        count = Math.Clamp(count, 0, Math.Max(0, LineCount - firstLine + 1));
        if (count == 0) return [];
        var boundaries = await ReadBoundariesAsync(firstLine, count, cancellationToken);
        var lines = new List<(int, string)>(count);
        await using var blob = _blobs.OpenRead(_sha256);
        blob.Seek(boundaries[0], SeekOrigin.Begin);
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[boundaries[i + 1] - boundaries[i]];
            await blob.ReadExactlyAsync(bytes, cancellationToken);
            var text = bytes.AsSpan();
            if (firstLine + i == 1 && text.StartsWith(ByteOrderMark)) text = text[ByteOrderMark.Length..];
            lines.Add((firstLine + i, Encoding.UTF8.GetString(WithoutLineEnd(text))));
        }
        return lines;
    }

    public static ReadOnlySpan<byte> WithoutLineEnd(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\n') line = line[..^1];
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        return line;
    }

    private static async Task BuildAsync(BlobStore blobs, string sha256, string path, CancellationToken cancellationToken)
    {
        // Written aside and moved into place, so a reader never sees half an index; two builders write the same bytes.
        var temporary = path + "." + Guid.NewGuid().ToString("N");
        try
        {
            await using (var blob = blobs.OpenRead(sha256))
            await using (var index = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                var buffer = new byte[64 * 1024];
                var entry = new byte[sizeof(long)];
                long position = 0;
                var atLineStart = true;
                int read;
                while ((read = await blob.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    for (var i = 0; i < read;)
                    {
                        if (atLineStart)
                        {
                            BinaryPrimitives.WriteInt64LittleEndian(entry, position + i);
                            index.Write(entry);
                            atLineStart = false;
                        }
                        var newline = buffer.AsSpan(i, read - i).IndexOf((byte)'\n');
                        if (newline < 0) break;
                        i += newline + 1;
                        atLineStart = true;
                    }
                    position += read;
                }
                BinaryPrimitives.WriteInt64LittleEndian(entry, position);
                index.Write(entry);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
