using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace FineTune.Checker;

// Counts o200k_base tokens of JSON string values straight from their UTF-8 bytes. One per worker:
// it owns a char buffer and a cache of counts by content hash, because real datasets repeat the
// same system prompts and tool definitions in every example. It also owns its tokenizer: instances
// share the loaded vocabulary, but each has its own word cache, whose lock the workers would otherwise contend on.
internal sealed class TokenCounter
{
    public const string EncodingName = "o200k_base";
    private const int CacheLimit = 16_384;

    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding(EncodingName));

    private static readonly string[] SpecialTokens =
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|im_sep|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"];

    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding(EncodingName);
    private readonly Dictionary<ulong, int> _cache = [];
    private char[] _chars = new char[16 * 1024];

    // Loads the vocabulary once, before the workers start, so that no worker's first string pays for it.
    public static void WarmUp() => _ = O200k.Value;

    // The tokens of a string value; specialToken is set when the text holds a special token such as <|endoftext|>.
    public int Count(JsonElement value, out string? specialToken)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        raw = raw[1..^1];
        var text = Decode(raw);
        specialToken = FindSpecialToken(text);
        if (raw.Length == 0) return 0;

        var key = XxHash3.HashToUInt64(raw);
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var count = _tokenizer.CountTokens(text);
        if (_cache.Count >= CacheLimit) _cache.Clear();
        _cache[key] = count;
        return count;
    }

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> raw)
    {
        if (_chars.Length < raw.Length) _chars = new char[Math.Max(raw.Length, _chars.Length * 2)];
        if (raw.IndexOf((byte)'\\') < 0)
        {
            var written = Encoding.UTF8.GetChars(raw, _chars);
            return _chars.AsSpan(0, written);
        }

        // Escaped text: let the JSON reader unescape it into our buffer.
        var quoted = ArrayPool<byte>.Shared.Rent(raw.Length + 2);
        try
        {
            quoted[0] = (byte)'"';
            raw.CopyTo(quoted.AsSpan(1));
            quoted[raw.Length + 1] = (byte)'"';
            var reader = new Utf8JsonReader(quoted.AsSpan(0, raw.Length + 2));
            reader.Read();
            var written = reader.CopyString(_chars);
            return _chars.AsSpan(0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(quoted);
        }
    }

    private static string? FindSpecialToken(ReadOnlySpan<char> text)
    {
        var at = text.IndexOf("<|", StringComparison.Ordinal);
        while (at >= 0)
        {
            var rest = text[at..];
            foreach (var special in SpecialTokens)
            {
                if (rest.StartsWith(special, StringComparison.Ordinal)) return special;
            }
            var next = rest[2..].IndexOf("<|", StringComparison.Ordinal);
            at = next < 0 ? -1 : at + 2 + next;
        }
        return null;
    }
}
