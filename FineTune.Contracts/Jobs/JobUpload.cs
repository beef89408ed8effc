namespace FineTune.Contracts;

// A job's way to the provider while it is uploading: its datasets (training first, validation second) and how far each
// has gone. The Worker saves it after every part, so the job page shows progress and a Worker that takes over from one
// that died goes on from the last part saved. Charge is what the launch counted against the month's budget, given back
// when the provider refuses the job or it is cancelled before it gets there.
public sealed record JobUpload(IReadOnlyList<DatasetTransfer> Datasets, BudgetCharge? Charge)
{
    public long Bytes => Datasets.Sum(dataset => dataset.Bytes);
    public long BytesSent => Datasets.Sum(dataset => dataset.FileId is null ? dataset.BytesSent : dataset.Bytes);

    public JobUpload With(int index, DatasetTransfer dataset) => this with { Datasets = [.. Datasets.Select((d, i) => i == index ? dataset : d)] };
}

// One dataset version on its way to the provider. FileId is set once the provider has the file (uploaded now, or an
// upload of the same bytes before); UploadId and PartIds while it goes up in parts through the Uploads API.
public sealed record DatasetTransfer(string DatasetId, string Name, string Sha256, long Bytes)
{
    public long BytesSent { get; init; }
    public string? FileId { get; init; }
    public string? UploadId { get; init; }
    public long PartBytes { get; init; }
    public IReadOnlyList<string> PartIds { get; init; } = [];

    // Set when the provider already had these bytes, so nothing was sent.
    public bool Reused { get; init; }
}
