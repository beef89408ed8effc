using FineTune.LocalProvider.OpenAI;
using FineTune.LocalProvider.Training;

namespace FineTune.LocalProvider.FineTuning;

// One job's state. Requests and the runner change it concurrently, so every change goes through
// the lock and states only move along the allowed transitions.
public sealed class FineTuningJob
{
    public const int KeptCheckpoints = 3;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<JobEventObject> _events = [];
    private readonly List<CheckpointObject> _checkpoints = [];
    private readonly List<string> _resultFiles = [];
    private CancellationTokenSource _wake = new();
    private string _status = JobStatuses.ValidatingFiles;
    private JobErrorObject? _error;
    private HyperparametersObject? _resolved;
    private string? _fineTunedModel;
    private long? _trainedTokens;
    private DateTimeOffset? _finishedAt;

    public FineTuningJob(string id, long sequence, JobRequest request, int seed, TimeProvider time)
    {
        Id = id;
        Sequence = sequence;
        Request = request;
        Seed = seed;
        _time = time;
        CreatedAt = time.GetUtcNow();
        AddEvent("info", $"Created fine-tuning job: {id}");
    }

    public string Id { get; }
    public long Sequence { get; }
    public JobRequest Request { get; }
    public int Seed { get; }
    public DateTimeOffset CreatedAt { get; }

    // Held by whoever runs the job, so that a resume cannot start a second runner beside one
    // that has not yet noticed the pause.
    public SemaphoreSlim Execution { get; } = new(1, 1);

    // Only touched while holding Execution.
    public JobTraining? Training { get; set; }

    public string Status { get { lock (_gate) return _status; } }

    // Cancelled when the job is paused or cancelled, to cut a step delay short.
    public CancellationToken WakeToken { get { lock (_gate) return _wake.Token; } }

    public bool TryMove(string from, string to, string? message = null)
    {
        lock (_gate)
        {
            if (_status != from) return false;
            _status = to;
            if (message is not null) AddEventLocked("info", message, null, "message");
            return true;
        }
    }

    public void Resolve(TrainingSettings settings)
    {
        lock (_gate) _resolved = new HyperparametersObject(settings.Epochs, settings.BatchSize, settings.LearningRateMultiplier);
    }

    public bool Fail(JobErrorObject error)
    {
        lock (_gate)
        {
            if (JobStatuses.IsTerminal(_status)) return false;
            _status = JobStatuses.Failed;
            _error = error;
            _finishedAt = _time.GetUtcNow();
            AddEventLocked("error", error.Message, null, "message");
            return true;
        }
    }

    public bool Succeed(string fineTunedModel, long trainedTokens, string resultFileId)
    {
        lock (_gate)
        {
            if (_status != JobStatuses.Running) return false;
            _fineTunedModel = fineTunedModel;
            _trainedTokens = trainedTokens;
            _resultFiles.Add(resultFileId);
            AddEventLocked("info", "New fine-tuned model created", null, "message");
            _status = JobStatuses.Succeeded;
            _finishedAt = _time.GetUtcNow();
            AddEventLocked("info", "The job has successfully completed", null, "message");
            return true;
        }
    }

    // Returns an error message when the job is in no state to be cancelled.
    public string? Cancel()
    {
        lock (_gate)
        {
            if (JobStatuses.IsTerminal(_status)) return $"Job has already completed: {Id}";
            _status = JobStatuses.Cancelled;
            _finishedAt = _time.GetUtcNow();
            AddEventLocked("info", "Fine-tuning job cancelled", null, "message");
            WakeLocked();
            return null;
        }
    }

    public string? Pause()
    {
        lock (_gate)
        {
            if (_status != JobStatuses.Running) return $"Job {Id} is {_status}; only a running job can be paused.";
            _status = JobStatuses.Paused;
            AddEventLocked("info", "Fine-tuning job paused", null, "message");
            WakeLocked();
            return null;
        }
    }

    public string? Resume()
    {
        lock (_gate)
        {
            if (_status != JobStatuses.Paused) return $"Job {Id} is {_status}; only a paused job can be resumed.";
            _status = JobStatuses.Queued;
            AddEventLocked("info", "Fine-tuning job resumed, moving job to queued state", null, "message");
            return null;
        }
    }

    public void AddEvent(string level, string message, object? data = null, string type = "message")
    {
        lock (_gate) AddEventLocked(level, message, data, type);
    }

    // Keeps the newest checkpoints and returns the ones dropped, whose models go too.
    public IReadOnlyList<CheckpointObject> AddCheckpoint(CheckpointObject checkpoint)
    {
        lock (_gate)
        {
            _checkpoints.Add(checkpoint);
            AddEventLocked("info", $"Checkpoint created at step {checkpoint.StepNumber}", null, "message");
            var dropped = _checkpoints.Take(Math.Max(0, _checkpoints.Count - KeptCheckpoints)).ToList();
            _checkpoints.RemoveRange(0, dropped.Count);
            return dropped;
        }
    }

    public ListPage<JobEventObject> EventsNewestFirst(string? after, int limit)
    {
        lock (_gate) return ListPage<JobEventObject>.Create(_events.AsEnumerable().Reverse().ToList(), item => item.Id, after, limit);
    }

    public ListPage<CheckpointObject> CheckpointsNewestFirst(string? after, int limit)
    {
        lock (_gate) return ListPage<CheckpointObject>.Create(_checkpoints.AsEnumerable().Reverse().ToList(), item => item.Id, after, limit);
    }

    public FineTuningJobObject ToObject()
    {
        lock (_gate)
        {
            var hyperparameters = _resolved ?? new HyperparametersObject(
                (object?)Request.NEpochs ?? "auto", (object?)Request.BatchSize ?? "auto", (object?)Request.LearningRateMultiplier ?? "auto");
            return new FineTuningJobObject(
                Id: Id,
                CreatedAt: CreatedAt.ToUnixTimeSeconds(),
                Error: _error,
                FineTunedModel: _fineTunedModel,
                FinishedAt: _finishedAt?.ToUnixTimeSeconds(),
                Hyperparameters: hyperparameters,
                Model: Request.Model,
                OrganizationId: "org-" + Models.ModelRegistry.Organization,
                ResultFiles: _resultFiles.ToList(),
                Status: _status,
                TrainedTokens: _trainedTokens,
                TrainingFile: Request.TrainingFile,
                ValidationFile: Request.ValidationFile,
                Seed: Seed,
                EstimatedFinish: null,
                UserProvidedSuffix: Request.Suffix,
                Method: new MethodObject("supervised", new SupervisedMethodObject(hyperparameters)),
                Integrations: null,
                Metadata: null);
        }
    }

    private void AddEventLocked(string level, string message, object? data, string type) =>
        _events.Add(new JobEventObject(OpenAIIds.New("ftevent-"), _time.GetUtcNow().ToUnixTimeSeconds(), level, message, data, type));

    private void WakeLocked()
    {
        _wake.Cancel();
        _wake.Dispose();
        _wake = new CancellationTokenSource();
    }
}
