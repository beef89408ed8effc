using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FineTune.Web.Telemetry;

// The Web's spans and metrics, as the Aspire dashboard shows them (ServiceDefaults exports both by this name).
public static class WebTelemetry
{
    public const string Name = "FineTune.Web";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly UpDownCounter<long> OpenJobPages = Meter.CreateUpDownCounter<long>(
        "finetune.web.job_pages.open", "{page}", "Job pages open in browsers");

    public static readonly Histogram<double> RelayDelay = SecondsHistogram.Create(
        Meter, "finetune.web.relay.delay", "From an update's publish in Redis to its SignalR send to the browsers");

    public static readonly Counter<long> Reconnects = Meter.CreateCounter<long>(
        "finetune.web.live.reconnects", "{reconnect}", "Live feeds whose SignalR connection came back after a drop");

    public static readonly Counter<long> GapRefills = Meter.CreateCounter<long>(
        "finetune.web.live.gap_refills", "{refill}", "Live feeds that read the Api again for updates they missed");
}
