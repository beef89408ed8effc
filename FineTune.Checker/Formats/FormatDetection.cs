using System.Text.Json;

namespace FineTune.Checker;

// The format of a stream, told from its first line that looks like one of the formats, without losing the bytes read to
// tell it: the stream returned reads them again, then the rest. So an upload in OpenAI's own format can be stored exactly
// as sent, and only one in another format goes through the converter.
public static class FormatDetection
{
    // How far to look: a format shows on its first example, and an example is rarely this long.
    public const int MaxPeekBytes = 1024 * 1024;

    // Null when no line within MaxPeekBytes looks like a format.
    public static async Task<(DatasetFormat? Format, Stream Content)> DetectAsync(Stream content, CancellationToken cancellationToken = default)
    {
        var peeked = new MemoryStream();
        var chunk = new byte[64 * 1024];
        DatasetFormat? format = null;
        var scanned = 0;
        while (format is null && peeked.Length < MaxPeekBytes)
        {
            var read = await content.ReadAsync(chunk, cancellationToken);
            peeked.Write(chunk, 0, read);
            var bytes = peeked.GetBuffer().AsMemory(0, (int)peeked.Length);
            int newline;
            while (format is null && (newline = bytes.Span[scanned..].IndexOf((byte)'\n')) >= 0)
            {
                format = DetectLine(bytes.Slice(scanned, newline));
                scanned += newline + 1;
            }
            if (read == 0)
            {
                if (format is null && scanned < bytes.Length) format = DetectLine(bytes[scanned..]);
                break;
            }
        }
        peeked.Position = 0;
        return (format, new ReplayStream(peeked, content));
    }

    private static DatasetFormat? DetectLine(ReadOnlyMemory<byte> line)
    {
        if (line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
        try
        {
            using var document = JsonDocument.Parse(line);
            return DatasetFormats.DetectLine(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The bytes already read, then the rest of the stream.
    private sealed class ReplayStream(MemoryStream peeked, Stream rest) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = peeked.Read(buffer);
            return read > 0 ? read : rest.Read(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = peeked.Read(buffer.Span);
            return read > 0 ? read : await rest.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
