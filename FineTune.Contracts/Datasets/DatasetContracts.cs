namespace FineTune.Contracts;

// The shapes of the dataset routes beyond the record and its report, shared by the Api and the Web.

// One line of a dataset file, as stored (UTF-8, without its line end); 1-based line number.
public sealed record DatasetExample(int Line, string Text);

// GET /api/datasets/{id}/examples?offset=&limit=: lines offset+1 .. offset+limit of Total lines.
public sealed record DatasetExamplePage(string DatasetId, int Offset, int Limit, int Total, IReadOnlyList<DatasetExample> Examples)
{
    public bool HasMore => Offset + Examples.Count < Total;
}

// POST /api/datasets/{id}/split
public sealed record SplitDatasetRequest(double ValidationRatio, int? Seed = null);

public sealed record DatasetSplit(DatasetRecord Training, DatasetRecord Validation, double ValidationRatio, int Seed);

// GET /api/datasets/models: what a dataset can be checked against.
public sealed record DatasetModel(string Provider, string Name, int ContextTokens, decimal? TrainingPricePerMillionTokens);
