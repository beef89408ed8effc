using System.Security.Cryptography;

namespace FineTune.LocalProvider.OpenAI;

public static class OpenAIIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // prefix includes its separator: "file-", "ftjob-", "resp_".
    public static string New(string prefix, int length = 24) => prefix + RandomNumberGenerator.GetString(Alphabet, length);
}
