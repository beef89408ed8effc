using System.ClientModel;
using System.Text;

namespace FineTune.Data;

// A multipart/form-data body whose one field, "data", is a slice of a file, as the Uploads API takes a part.
// Written from the file each time it is sent, so a retried request sends the same bytes.
internal sealed class MultipartPart(Stream file, long offset, long count) : BinaryContent
{
    private readonly string _boundary = "FineTunePart" + Guid.NewGuid().ToString("N");

    public string ContentType => $"multipart/form-data; boundary={_boundary}";

    private byte[] Head => Encoding.UTF8.GetBytes(
        $"--{_boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"part\"\r\nContent-Type: application/octet-stream\r\n\r\n");

    private byte[] Tail => Encoding.UTF8.GetBytes($"\r\n--{_boundary}--\r\n");

    public override bool TryComputeLength(out long length)
    {
        length = Head.Length + count + Tail.Length;
        return true;
    }

    public override void WriteTo(Stream stream, CancellationToken cancellationToken) =>
        WriteToAsync(stream, cancellationToken).GetAwaiter().GetResult();

    public override async Task WriteToAsync(Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Head, cancellationToken);
        file.Position = offset;
        var buffer = new byte[81920];
        for (var left = count; left > 0;)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (read == 0) throw new EndOfStreamException($"The file ended {left} bytes before the part did.");
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            left -= read;
        }
        await stream.WriteAsync(Tail, cancellationToken);
    }

    // The file is the caller's.
    public override void Dispose()
    {
    }
}
