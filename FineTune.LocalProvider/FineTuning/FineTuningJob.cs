using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using FineTune.LocalProvider.OpenAI;
using FineTune.LocalProvider.Training;
using JobStatus = FineTune.Contracts.JobStatus;

namespace FineTune.LocalProvider.FineTuning;

// One job's state. Requests and the runner change it concurrently, so every change goes through
// the lock, states only move along the allowed transitions, and each change is written to the
// journal (once the job is stored) before the lock is released.
// Not disposable: the wake source has no timer, so it holds nothing to free, and a job lives as long as the provider.
[SuppressMessage("Reliability", "CA1001", Justification = "The wake source has no timer; a job lives as long as the provider.")]
public sealed class FineTuningJob
{
    public const int KeptCheckpoints = 3;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<JobEventObject> _events = [];
    private readonly List<CheckpointObject> _checkpoints = [];
    private readonly List<string> _resultFiles = [];
    private JobJournal? _journal;
    private CancellationTokenSource _wake = new();
    private string _status = JobStatus.ValidatingFiles;
    private JobErrorObject? _error;
    private TrainingSettings? _settings;
    private string? _plannedModel;
    private string? _fineTunedModel;
    private long? _trainedTokens;
    private DateTimeOffset? _finishedAt;
    private DateTimeOffset? _estimatedFinish;

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

    private FineTuningJob(JobState state, IEnumerable<JobEventObject> events, TimeProvider time, JobJournal journal)
    {
        Id = state.Id;
        Sequence = state.Sequence;
        Request = state.Request;
        Seed = state.Seed;
        CreatedAt = state.CreatedAt;
        IdempotencyKey = state.IdempotencyKey;
        _time = time;
        _status = state.Status;
        _error = state.Error;
        _settings = state.Settings;
        _plannedModel = state.PlannedModel;
        _fineTunedModel = state.FineTunedModel;
        _trainedTokens = state.TrainedTokens;
        _finishedAt = state.FinishedAt;
        _resultFiles.AddRange(state.ResultFiles);
        _checkpoints.AddRange(state.Checkpoints);
        _events.AddRange(events);
        _journal = journal;
    }

    public static FineTuningJob Restore(JobState state, IEnumerable<JobEventObject> events, TimeProvider time, JobJournal journal) =>
        new(state, events, time, journal);

    public string Id { get; }
    public long Sequence { get; }
    public JobRequest Request { get; }
    public int Seed { get; }
    public DateTimeOffset CreatedAt { get; }
    public string? IdempotencyKey { get; private set; }

    // Held by whoever runs the job, so that a resume cannot start a second runner beside one
    // that has not yet noticed the pause.
    public SemaphoreSlim Execution { get; } = new(1, 1);

    // Only touched while holding Execution.
    public JobTraining? Training { get; set; }

    public string Status { get { lock (_gate) return _status; } }

    public TrainingSettings? Settings { get { lock (_gate) return _settings; } }

    // The name the fine-tuned model will get, chosen once the files are validated.
    public string? PlannedModel { get { lock (_gate) return _plannedModel; } }

    // Cancelled when the job is paused or cancelled, to cut a step delay short.
    public CancellationToken WakeToken { get { lock (_gate) return _wake.Token; } }

    // Called once the store has accepted the job: from now on every change is kept on disk.
    public void StartJournal(JobJournal journal, string? idempotencyKey)
    {
        lock (_gate)
        {
            IdempotencyKey = idempotencyKey;
            _journal = journal;
            SaveLocked();
            foreach (var jobEvent in _events) journal.Append(Id, jobEvent);
        }
    }

    // After a restart a job that was running has no runner any more: it goes back to the queue
    // and continues from its last checkpoint. Returns whether the job needs a runner.
    public bool RecoverAfterRestart()
    {
        lock (_gate)
        {
            if (_status == JobStatus.Running)
            {
                _status = JobStatus.Queued;
                _estimatedFinish = null;
                var step = _checkpoints.Count > 0 ? _checkpoints.Max(checkpoint => checkpoint.StepNumber) : 0;
                AddEventLocked("info", $"The local provider restarted while the job was running; it continues from step {step}", null, "message");
                SaveLocked();
            }
            return _status is JobStatus.ValidatingFiles or JobStatus.Queued;
        }
    }

    public bool TryMove(string from, string to, string? message = null)
    {
        lock (_gate)
        {
            if (_status != from) return false;
            _status = to;
            if (message is not null) AddEventLocked("info", message, null, "message");
            SaveLocked();
            return true;
        }
    }

    public void Resolve(TrainingSettings settings, string plannedModel)
    {
        lock (_gate)
        {
            _settings = settings;
            _plannedModel = plannedModel;
            SaveLocked();
        }
    }

    public bool Fail(JobErrorObject error)
    {
        lock (_gate)
        {
            if (JobStatus.IsTerminal(_status)) return false;
            _status = JobStatus.Failed;
            _error = error;
            _finishedAt = _time.GetUtcNow();
            _estimatedFinish = null;
            AddEventLocked("error", error.Message, null, "message");
            SaveLocked();
            return true;
        }
    }

    public bool Succeed(string fineTunedModel, long trainedTokens, string resultFileId)
    {
        lock (_gate)
        {
            if (_status != JobStatus.Running) return false;
            _fineTunedModel = fineTunedModel;
            _trainedTokens = trainedTokens;
            _resultFiles.Add(resultFileId);
            AddEventLocked("info", "New fine-tuned model created", null, "message");
            _status = JobStatus.Succeeded;
            _finishedAt = _time.GetUtcNow();
            _estimatedFinish = null;
            AddEventLocked("info", "The job has successfully completed", null, "message");
            SaveLocked();
            return true;
        }
    }

    // Returns an error message when the job is in no state to be cancelled.
    public string? Cancel()
    {
        lock (_gate)
        {
            if (JobStatus.IsTerminal(_status)) return $"Job has already completed: {Id}";
            _status = JobStatus.Cancelled;
            _finishedAt = _time.GetUtcNow();
            _estimatedFinish = null;
            AddEventLocked("info", "Fine-tuning job cancelled", null, "message");
            SaveLocked();
            WakeLocked();
            return null;
        }
    }

    public string? Pause()
    {
        lock (_gate)
        {
            if (_status != JobStatus.Running) return $"Job {Id} is {_status}; only a running job can be paused.";
            _status = JobStatus.Paused;
            _estimatedFinish = null;
            AddEventLocked("info", "Fine-tuning job paused", null, "message");
            SaveLocked();
            WakeLocked();
            return null;
        }
    }

    public string? Resume()
    {
        lock (_gate)
        {
            if (_status != JobStatus.Paused) return $"Job {Id} is {_status}; only a paused job can be resumed.";
            _status = JobStatus.Queued;
            AddEventLocked("info", "Fine-tuning job resumed, moving job to queued state", null, "message");
            SaveLocked();
            return null;
        }
    }

    public void AddEvent(string level, string message, object? data = null, string type = "message")
    {
        lock (_gate) AddEventLocked(level, message, data, type);
    }

    public void EstimateFinish(DateTimeOffset? estimate)
    {
        lock (_gate) _estimatedFinish = _status == JobStatus.Running ? estimate : null;
    }

    // The highest step a metrics event has been published for; steps up to it that are trained
    // again after a restart are not reported twice.
    public int LastReportedStep
    {
        get { lock (_gate) return _events.Where(e => e.Type == "metrics").Select(Metrics).Select(m => m.Step).DefaultIfEmpty(0).Max(); }
    }

    public CheckpointObject? LatestCheckpoint
    {
        get { lock (_gate) return _checkpoints.Count == 0 ? null : _checkpoints.MaxBy(checkpoint => checkpoint.StepNumber); }
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
            SaveLocked();
            return dropped;
        }
    }

    public ListPage<JobEventObject> EventsNewestFirst(string? after, int limit)
    {
        lock (_gate) return ListPage.Create(_events.AsEnumerable().Reverse().ToList(), item => item.Id, after, limit);
    }

    public ListPage<CheckpointObject> CheckpointsNewestFirst(string? after, int limit)
    {
        lock (_gate) return ListPage.Create(_checkpoints.AsEnumerable().Reverse().ToList(), item => item.Id, after, limit);
    }

    // The metrics of every reported step, in step order: the rows of the results file.
    public IReadOnlyList<MetricsData> MetricsByStep()
    {
        lock (_gate) return _events.Where(e => e.Type == "metrics").Select(Metrics).OrderBy(m => m.Step).ToList();
    }

    public FineTuningJobObject ToObject()
    {
        lock (_gate)
        {
            var isDpo = Request.Method == MethodTypes.Dpo;
            var hyperparameters = _settings is { } settings
                ? new HyperparametersObject(settings.Epochs, settings.BatchSize, settings.LearningRateMultiplier, isDpo ? settings.Beta : null)
                : new HyperparametersObject((object?)Request.NEpochs ?? "auto", (object?)Request.BatchSize ?? "auto",
                    (object?)Request.LearningRateMultiplier ?? "auto", isDpo ? (object?)Request.Beta ?? "auto" : null);
            var method = new MethodHyperparameters(hyperparameters);
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
                EstimatedFinish: _estimatedFinish?.ToUnixTimeSeconds(),
                UserProvidedSuffix: Request.Suffix,
                Method: new MethodObject(Request.Method, isDpo ? null : method, isDpo ? method : null),
                Integrations: null,
                Metadata: Request.Metadata);
        }
    }

    // Events made in this process carry MetricsData; events read back from disk carry its JSON.
    private static MetricsData Metrics(JobEventObject jobEvent) =>
        jobEvent.Data as MetricsData ?? ((JsonElement)jobEvent.Data!).Deserialize<MetricsData>(OpenAIJson.Options)!;

    private void AddEventLocked(string level, string message, object? data, string type)
    {
        var jobEvent = new JobEventObject(OpenAIIds.New("ftevent-"), _time.GetUtcNow().ToUnixTimeSeconds(), level, message, data, type);
        _events.Add(jobEvent);
        _journal?.Append(Id, jobEvent);
    }

    private void SaveLocked() => _journal?.Save(new JobState(Id, Sequence, Request, Seed, CreatedAt, IdempotencyKey, _status, _error,
        _settings, _plannedModel, _fineTunedModel, _trainedTokens, _finishedAt, _resultFiles.ToList(), _checkpoints.ToList()));

    private void WakeLocked()
    {
        _wake.Cancel();
        _wake.Dispose();
        _wake = new CancellationTokenSource();
    }
}
