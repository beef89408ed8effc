using FineTune.Web.Api;
using FineTune.Web.Datasets;

namespace FineTune.Web.Jobs;

// What the create-job panel offers and knows: the workspace's valid datasets, its provider connections,
// the chosen provider's models, and the estimate for the form as it stands. Form is what the user edits.
public sealed class CreateJobState(FineTuneApiClient api) : IDisposable
{
    private IReadOnlyList<ModelInfo> _models = [];
    private IReadOnlyList<ProviderConnection>? _connections;
    private CancellationTokenSource? _estimateCancel;

    public CreateJobForm Form { get; } = new();

    public IReadOnlyList<DatasetRecord>? ValidDatasets { get; private set; }

    public JobEstimate? Estimate { get; private set; }

    public bool Estimating { get; private set; }

    public bool Creating { get; private set; }

    public string? LoadError { get; private set; }

    public string? ModelsError { get; private set; }

    public string? CreateError { get; private set; }

    public IReadOnlyList<string> CreateReasons { get; private set; } = [];

    // The server's own connection alone until the workspace's connections load, and if they cannot be read.
    public IEnumerable<(string Id, string Name)> ConnectionChoices =>
        _connections?.Select(c => (c.Id, c.Name)) ?? [(ProviderConnection.ServerId, ProviderConnection.ServerName)];

    // Base models the provider offers and the model table marks fine-tunable; the defaults until they load.
    public IReadOnlyList<ModelInfo> BaseModels => _models.Count > 0
        ? _models.Where(m => m.FineTunable).ToList()
        : CreateJobForm.BaseModels.Select(id => new ModelInfo(id, null, null, id, false, false, true, null, null, null, null)).ToList();

    public string ModelHelp => _models.FirstOrDefault(m => m.Id == Form.Model) is { } chosen
        ? string.Join(" · ", new[]
        {
            chosen.ContextTokens is { } context ? $"{context:N0} tokens of context" : null,
            chosen.TrainingPricePerMillionTokens is { } price ? $"${price}/1M trained tokens" : null,
            chosen.FineTuningEndsDate is { } ends ? $"new jobs until {ends:yyyy-MM-dd}" : null,
            chosen.ShutdownDate is { } shutdown ? $"fine-tuned models shut down {shutdown:yyyy-MM-dd}" : null,
        }.Where(part => part is not null))
        : "";

    // The chosen training dataset's method, and that the job checks it again when it was checked for another.
    public string TrainingDatasetHelp
    {
        get
        {
            if (ValidDatasets?.FirstOrDefault(d => d.Id == Form.TrainingDatasetId)?.Report is not { } report) return "Only valid datasets can be picked";
            var checkedFor = DatasetReportView.MethodText(report);
            return report.Method == Form.Method ? checkedFor : $"{checkedFor}; checked again for {Form.Method} when the job is created";
        }
    }

    public async Task LoadAsync()
    {
        try
        {
            var datasets = await api.GetDatasetsAsync();
            ValidDatasets = datasets.Where(d => d.Status == DatasetRecord.StatusValid).ToList();
        }
        catch (FineTuneApiException ex)
        {
            LoadError = ex.UserMessage;
        }
        try
        {
            _connections = await api.GetConnectionsAsync();
        }
        catch (FineTuneApiException ex)
        {
            LoadError = $"The workspace's connections could not be read ({ex.UserMessage}); jobs run on the server's own.";
        }
        await LoadModelsAsync();
    }

    // Each connection's provider has its own models: a base model it does not offer is replaced by one it does.
    public async Task ChangeConnectionAsync(string connectionId)
    {
        Form.ConnectionId = connectionId;
        await LoadModelsAsync();
        if (BaseModels.Count > 0 && BaseModels.All(m => m.Id != Form.Model))
        {
            Form.Model = BaseModels[0].Id;
            await EstimateAsync();
        }
    }

    // The estimate follows the form; a newer change cancels the request of an older one.
    public async Task EstimateAsync()
    {
        _estimateCancel?.Cancel();
        if (Form.ToEstimateRequest() is not { } request)
        {
            Estimate = null;
            return;
        }
        var cancel = _estimateCancel = new CancellationTokenSource();
        Estimating = true;
        try
        {
            await Task.Delay(200, cancel.Token);
            Estimate = await api.EstimateJobAsync(request, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (FineTuneApiException ex)
        {
            Estimate = null;
            CreateError = ex.UserMessage;
        }
        if (cancel == _estimateCancel)
        {
            Estimating = false;
        }
    }

    // The job made, or null when the Api refused it (CreateError and CreateReasons say why).
    public async Task<FineTuneJob?> CreateAsync()
    {
        Creating = true;
        CreateError = null;
        CreateReasons = [];
        try
        {
            // The same key on every attempt from this form: a retried or double request gives the same job.
            var job = await api.CreateJobAsync(Form.ToRequest(), Form.IdempotencyKey);
            Form.Renew();
            return job;
        }
        catch (FineTuneApiException ex)
        {
            CreateError = ex.StatusCode switch
            {
                System.Net.HttpStatusCode.UnprocessableEntity => $"The job was refused: {ex.Message}. Fix what is listed and try again.",
                // A dataset does not fit the job's method; the reasons name its lines.
                System.Net.HttpStatusCode.BadRequest when ex.Errors.Count > 0 =>
                    $"The job was refused: {ex.ProblemTitle}. Fix the lines listed, or choose the method the dataset was made for.",
                _ => ex.UserMessage,
            };
            CreateReasons = ex.Errors.SelectMany(e => e.Value.Select(message => $"{e.Key}: {message}")).ToList();
            return null;
        }
        finally
        {
            Creating = false;
        }
    }

    private async Task LoadModelsAsync()
    {
        try
        {
            _models = await api.GetModelsAsync(ProviderConnection.IsServer(Form.ConnectionId) ? null : Form.ConnectionId);
            ModelsError = null;
        }
        catch (FineTuneApiException ex)
        {
            _models = [];
            ModelsError = $"The provider's models could not be read ({ex.UserMessage}); the usual ones are offered.";
        }
    }

    public void Dispose() => _estimateCancel?.Cancel();
}
