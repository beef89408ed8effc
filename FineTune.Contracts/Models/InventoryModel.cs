namespace FineTune.Contracts;

// GET /api/inventory: every fine-tuned model the workspace has, the soonest to shut down first.
public sealed record ModelInventoryList(IReadOnlyList<InventoryModel> Models);

// A fine-tuned model the workspace has: made by one of its jobs, or listed by one of its connections as the
// account's own (JobId null). The dates are the provider's shutdown_date when it gives one, else the model table's.
public sealed record InventoryModel(
    string Model,
    string BaseModel,
    string? JobId,
    IReadOnlyList<string> DatasetIds,
    string ConnectionId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateOnly? ShutdownDate,
    DateOnly? TrainingEndsDate,
    int? DaysLeft,
    string Status);

public static class ModelStatus
{
    public const string Active = "active";
    public const string Retiring = "retiring";
    public const string Retired = "retired";

    // A model is retiring once its shutdown is closer than this.
    public const int RetiringDays = 90;

    // Whole days from today (UTC) to the shutdown; 0 on the day itself, when the model no longer answers.
    public static int? DaysLeft(DateOnly? shutdownDate, DateTimeOffset now) =>
        shutdownDate is { } date ? date.DayNumber - DateOnly.FromDateTime(now.UtcDateTime).DayNumber : null;

    public static string Of(int? daysLeft) => daysLeft switch
    {
        null => Active,
        <= 0 => Retired,
        < RetiringDays => Retiring,
        _ => Active,
    };
}
