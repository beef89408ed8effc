namespace FineTune.Checker;

// OpenAI's fine-tuning method types. The method decides the shape every line of a dataset must have:
// supervised and reinforcement train on "messages" examples, dpo on preference examples.
public static class TrainingMethods
{
    public const string Supervised = "supervised";
    public const string Dpo = "dpo";
    public const string Reinforcement = "reinforcement";

    public static IReadOnlyList<string> All { get; } = [Supervised, Dpo, Reinforcement];

    public static bool IsKnown(string method) => All.Contains(method, StringComparer.Ordinal);

    // Why a method name is refused, naming the allowed ones.
    public static string UnknownMessage(string method) =>
        $"\"{method}\" is not a fine-tuning method; use {string.Join(", ", All.SkipLast(1))} or {All[^1]}.";

    // The dataset format (DatasetValidator.Format*) a method trains on.
    public static string FormatOf(string method) => method switch
    {
        Dpo => DatasetValidator.FormatPreference,
        Reinforcement => DatasetValidator.FormatReinforcement,
        _ => DatasetValidator.FormatChat,
    };
}
