namespace FineTune.Contracts;

// What a client of the Web's /hubs/jobs (the job pages, scripts, `finetune jobs watch`) needs to know: call JoinJob(jobId),
// read the job and its events from the Api, then apply "jobUpdated" (a JobUpdate): take an update's events whose Sequence
// is the next one held, and when its LastSequence is past the last one held, or on "catchUp", read the events after the
// last one held from the Api (GET /api/jobs/{id}/events?after=ID). docs/architecture.md, "The live path of a job event",
// says why. An eval run goes the same way: JoinEvalRun(evalId, runId), read the run and its items, then apply
// "evalRunUpdated" (an EvalRunUpdate), and read the items again on "catchUp" or when the run counts more graded items
// than are held.
public static class JobsHubContract
{
    public const string Path = "/hubs/jobs";

    // Client → server: the methods of FineTune.Web's JobsHub.
    public const string JoinJob = "JoinJob";
    public const string LeaveJob = "LeaveJob";
    public const string JoinEvalRun = "JoinEvalRun";
    public const string LeaveEvalRun = "LeaveEvalRun";

    // Server → client, with a JobUpdate as payload.
    public const string JobUpdated = "jobUpdated";

    // Server → client, with an EvalRunUpdate as payload.
    public const string EvalRunUpdated = "evalRunUpdated";

    // Server → client, with the id of a job or eval run joined as payload: this Web replica may have missed its updates
    // (its Redis subscription was down), so read what came after the last held from the Api.
    public const string CatchUp = "catchUp";

    public static string JobGroup(string jobId) => $"job:{jobId}";

    public static string EvalRunGroup(string runId) => $"evalrun:{runId}";
}
