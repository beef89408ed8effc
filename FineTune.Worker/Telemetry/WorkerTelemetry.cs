using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FineTune.Worker.Telemetry;

// The Worker's spans and metrics, as the Aspire dashboard shows them (ServiceDefaults exports both by this name).
// The gauges read the objects that hold what they measure, which register them (JobPoller, ConnectionRequestBudgets).
public static class WorkerTelemetry
{
    public const string Name = "FineTune.Worker";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public const string JobIdTag = "finetune.job.id";
    public const string ProviderJobIdTag = "finetune.job.provider_job_id";
    public const string NewEventsTag = "finetune.job.new_events";
    public const string EvalRunIdTag = "finetune.eval_run.id";

    public static readonly Counter<long> Polls = Meter.CreateCounter<long>("finetune.worker.polls", "{poll}", "Polls of a job on its provider");

    public static readonly Histogram<double> ProviderRequestDuration = SecondsHistogram.Create(
        Meter, "finetune.worker.provider.request.duration", "Provider requests, by HTTP status (0: no answer)");

    public static readonly Counter<long> EventsIngested = Meter.CreateCounter<long>(
        "finetune.worker.events.ingested", "{event}", "Job events newly stored from the provider");

    public static readonly Counter<long> LeaseTakeovers = Meter.CreateCounter<long>(
        "finetune.worker.lease.takeovers", "{job}", "Jobs this Worker took over after another Worker held them");

    public static void ObserveActiveJobs(Func<int> held) =>
        Meter.CreateObservableGauge("finetune.worker.jobs.active", held, "{job}", "Active jobs this Worker polls");

    public static void ObserveRequestBudgets(Func<IEnumerable<Measurement<double>>> tokensByConnection) =>
        Meter.CreateObservableGauge("finetune.worker.request_budget.tokens", tokensByConnection, "{request}",
            "Requests a provider connection may make at once, by connection");
}
