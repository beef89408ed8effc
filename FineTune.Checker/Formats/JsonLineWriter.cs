using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace FineTune.Checker;

// Writes one line of JSON with no whitespace, copying the values it is given byte for byte (strings keep their own
// escapes, numbers their own digits). So a value that goes from one format to another and back comes back as it was,
// and a line that was compact in the first place comes back identical. Utf8JsonWriter would escape again (emoji as
// \uD83D\uDE00, "é" in keys), which breaks that.
internal sealed class JsonLineWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private bool _needsComma;

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    public void Reset()
    {
        _buffer.ResetWrittenCount();
        _needsComma = false;
    }

    public void StartObject() => Open((byte)'{');

    public void EndObject() => Close((byte)'}');

    public void StartArray() => Open((byte)'[');

    public void EndArray() => Close((byte)']');

    // A key as it appears between its quotes: our own names are plain ASCII, carried ones come escaped as they were.
    public void Name(ReadOnlySpan<byte> escapedName)
    {
        Separate();
        Append((byte)'"');
        Append(escapedName);
        Append("\":"u8);
        _needsComma = false;
    }

    public void Name(string plainName)
    {
        Separate();
        Append((byte)'"');
        var span = _buffer.GetSpan(plainName.Length);
        for (var i = 0; i < plainName.Length; i++) span[i] = (byte)plainName[i];
        _buffer.Advance(plainName.Length);
        Append("\":"u8);
        _needsComma = false;
    }

    // A property carried as it is, under its own name.
    public void Property(JsonProperty property)
    {
        Name(JsonMarshal.GetRawUtf8PropertyName(property));
        Value(property.Value);
    }

    public void Value(JsonElement value)
    {
        Separate();
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array) AppendWithoutWhitespace(raw);
        else Append(raw);
        _needsComma = true;
    }

    // A string written from text already escaped for JSON, such as a role.
    public void String(ReadOnlySpan<byte> escapedText)
    {
        Separate();
        Append((byte)'"');
        Append(escapedText);
        Append((byte)'"');
        _needsComma = true;
    }

    // One string holding the text of two string values with a separator (escaped for JSON) between them.
    public void JoinedString(JsonElement first, ReadOnlySpan<byte> escapedSeparator, JsonElement second)
    {
        Separate();
        Append(JsonMarshal.GetRawUtf8Value(first)[..^1]);
        Append(escapedSeparator);
        Append(JsonMarshal.GetRawUtf8Value(second)[1..]);
        _needsComma = true;
    }

    private void Open(byte bracket)
    {
        Separate();
        Append(bracket);
        _needsComma = false;
    }

    private void Close(byte bracket)
    {
        Append(bracket);
        _needsComma = true;
    }

    private void Separate()
    {
        if (_needsComma) Append((byte)',');
    }

    private void Append(byte b)
    {
        _buffer.GetSpan(1)[0] = b;
        _buffer.Advance(1);
    }

    private void Append(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    // Valid JSON (the value was parsed), so whitespace outside strings is only ever between tokens.
    private void AppendWithoutWhitespace(ReadOnlySpan<byte> json)
    {
        var span = _buffer.GetSpan(json.Length);
        int length = 0;
        bool inString = false, escaped = false;
        foreach (var b in json)
        {
            if (inString)
            {
                if (escaped) escaped = false;
                else if (b == (byte)'\\') escaped = true;
                else if (b == (byte)'"') inString = false;
            }
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                continue;
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            span[length++] = b;
        }
        _buffer.Advance(length);
    }
}
