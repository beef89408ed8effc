using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace FineTune.Checker;

// Counts o200k_base tokens of JSON string values straight from their UTF-8 bytes. One per worker:
// it owns a char buffer and a cache of counts by content hash, because real datasets repeat the
// same system prompts and tool definitions in every example.
// Workers share nothing while counting, or the second core adds little: each owns its tokenizer (instances share the
// loaded vocabulary, but each has its own word cache and that cache's lock), and each thread splits text into words with
// its own copy of o200k's pattern, because a Regex instance hands its one cached matcher to one caller at a time and
// the library asks for it once per word.
internal sealed class TokenCounter
{
    public const string EncodingName = "o200k_base";
    private const int CacheLimit = 16_384;

    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding(EncodingName));

    private static readonly string[] SpecialTokens =
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|im_sep|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"];

    // o200k_base's pre-tokenization pattern, as tiktoken and Microsoft.ML.Tokenizers split text before byte-pair encoding.
    private const string WordPattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        + @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        + @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [ThreadStatic]
    private static Regex? _wordsOfThisThread;

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
        // A special token counts as one token only where the library splits it off first.
        var count = specialToken is null ? CountWords(text) : _tokenizer.CountTokens(text);
        if (_cache.Count >= CacheLimit) _cache.Clear();
        _cache[key] = count;
        return count;
    }

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    private int CountWords(ReadOnlySpan<char> text)
    {
        var words = _wordsOfThisThread ??= new Regex(WordPattern, RegexOptions.Compiled);
        var count = 0;
        foreach (var word in words.EnumerateMatches(text))
            count += _tokenizer.CountTokens(text.Slice(word.Index, word.Length), considerPreTokenization: false);
        return count;
    }

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
