using System.Text.Json;

namespace FineTune.Contracts;

// A named eval of a workspace: a test set (a dataset version, each line an item) and graders in OpenAI's grader shapes
// (kept as given, so they export as they came), and the pass rate a run must reach to pass, if any.
public sealed record Eval
{
    public required string Id { get; init; }
    public required string WorkspaceId { get; init; }
    public required string Name { get; init; }
    public required string DatasetId { get; init; }

    // The test set's bytes (dataset versions never change), so the Worker reads it from the blob store.
    public required string DatasetSha256 { get; init; }
    public required JsonElement Graders { get; init; }
    public double? PassThreshold { get; init; }
    public required string CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

public sealed record CreateEvalRequest(string Name, string DatasetId, JsonElement? Graders = null, double? PassThreshold = null);

// SystemPrompt replaces the items' own system message, when given.
public sealed record CreateEvalRunRequest(
    string Model, string? ConnectionId = null, double? Temperature = null, int? MaxTokens = null, int? Seed = null, string? SystemPrompt = null);

// A finished run's answers kept as a new dataset of the eval's workspace, named Name.
public sealed record RecordRunRequest(string Name);
