namespace FineTune.Core.Redis;

// Every Redis key and channel FineTune uses, in one place, so the services agree on them.
public static class RedisKeys
{
    public const string JobUpdatesChannel = "finetune:job-updates";

    public const string ActiveJobs = "finetune:jobs:active";
    public const string AllJobs = "finetune:jobs:all";
    public static string Job(string jobId) => $"finetune:job:{jobId}";
    public static string JobEvents(string jobId) => $"finetune:job:{jobId}:events";
    public static string JobEventIndex(string jobId) => $"finetune:job:{jobId}:event-index";
    public static string JobLease(string jobId) => $"finetune:job:{jobId}:lease";

    public const string DataProtectionKeys = "finetune:data-protection-keys";

    public const string AllDatasets = "finetune:datasets:all";
    public static string Dataset(string datasetId) => $"finetune:dataset:{datasetId}";

    public static string JobIdempotencyKey(string userId, string key) => $"finetune:idempotency:{userId}:{key}";

    public static string Token(string tokenHash) => $"finetune:token:{tokenHash}";
    public static string User(string userId) => $"finetune:user:{userId}";
}
