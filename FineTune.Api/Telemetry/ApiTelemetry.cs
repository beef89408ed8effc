using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FineTune.Api.Telemetry;

// The Api's spans and metrics, as the Aspire dashboard shows them (ServiceDefaults exports both by this name).
public static class ApiTelemetry
{
    public const string Name = "FineTune.Api";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> DatasetsChecked = Meter.CreateCounter<long>(
        "finetune.api.datasets.checked", "{dataset}", "Datasets checked (on upload, on a new version, for another model or method)");

    public static readonly Counter<long> DatasetBytesChecked = Meter.CreateCounter<long>(
        "finetune.api.datasets.checked_bytes", "By", "Bytes of the datasets checked");

    public static readonly Histogram<double> DatasetCheckDuration = SecondsHistogram.Create(
        Meter, "finetune.api.dataset_check.duration", "How long a dataset check took");

    public static readonly Counter<long> JobsCreated = Meter.CreateCounter<long>(
        "finetune.api.jobs.created", "{job}", "Job creations by outcome: uploading, pending_approval, refused, does_not_fit_method");

    public static readonly Counter<long> BudgetRefusals = Meter.CreateCounter<long>(
        "finetune.api.budget.refusals", "{job}", "Jobs over their workspace's monthly budget, held for an owner's approval");
}
