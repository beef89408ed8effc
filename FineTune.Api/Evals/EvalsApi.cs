using System.Security.Claims;
using System.Text.Json;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Datasets;
using FineTune.Api.Jobs;
using FineTune.Api.Workspaces;
using FineTune.Evals;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Evals;

// Evals and their runs. Defining an eval checks its graders against its test set's items before anything runs; a run
// is only queued here (202) and the Worker answers and grades it (EvalRunner), publishing progress as it goes.
public static class EvalsApi
{
    public static IEndpointRouteBuilder MapEvalsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/evals").WithTags("Evals").RequireAuthorization();

        api.MapGet("/", ListEvals).WithName("ListEvals").WithSummary("The workspace's evals, newest first")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapPost("/", CreateEval).WithName("CreateEval")
            .WithSummary("Define an eval: { name, datasetId, graders: [OpenAI grader objects, json_schema, regex], passThreshold? }; "
                + "400 naming the grader and field when a grader or template does not fit the test set")
            .RequireWorkspaceRole(WorkspaceRole.Member);
        api.MapPost("/import", ImportEval).WithName("ImportEval")
            .WithSummary("Define an eval from one as OpenAI's Evals API returned it (data_source_config, testing_criteria), on ?datasetId=")
            .RequireWorkspaceRole(WorkspaceRole.Member);
        api.MapGet("/{id}", GetEval).WithName("GetEval").WithSummary("One eval").RequireEvalRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/export", ExportEval).WithName("ExportEval").WithSummary("The eval as ?format=finetune (JSON) or promptfoo (YAML)")
            .RequireEvalRole(WorkspaceRole.Viewer);
        api.MapDelete("/{id}", DeleteEval).WithName("DeleteEval").WithSummary("Delete an eval and its runs: its creator, or an owner")
            .RequireEvalRole(WorkspaceRole.Member);
        api.MapGet("/{id}/runs", ListRuns).WithName("ListEvalRuns").WithSummary("The eval's runs, newest first").RequireEvalRole(WorkspaceRole.Viewer);
        api.MapPost("/{id}/runs", CreateRun).WithName("CreateEvalRun")
            .WithSummary("Queue a run: { model, connectionId?, temperature?, maxTokens?, seed?, systemPrompt? } → 202; the Worker runs it")
            .RequireEvalRole(WorkspaceRole.Member);
        api.MapGet("/{id}/runs/{runId}", GetRun).WithName("GetEvalRun").WithSummary("A run's status and figures").RequireEvalRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/runs/{runId}/items", GetRunItems).WithName("GetEvalRunItems")
            .WithSummary("A run's graded items by line: ?offset=&limit=").RequireEvalRole(WorkspaceRole.Viewer);
        api.MapPost("/{id}/runs/{runId}/cancel", CancelRun).WithName("CancelEvalRun").WithSummary("Stop a run; the items graded stay")
            .RequireEvalRole(WorkspaceRole.Member);
        api.MapPost("/{id}/runs/{runId}/dataset", RecordRun).WithName("RecordEvalRun")
            .WithSummary("Keep a finished run's answers as a new dataset: { name } → 201; each answered item one chat example (its prompt, then "
                + "the answer as the assistant message), the run as the dataset's provenance; unanswered items are left out")
            .RequireEvalRole(WorkspaceRole.Member);
        api.MapGet("/{id}/compare", CompareRuns).WithName("CompareEvalRuns")
            .WithSummary("Two or more runs item by item (?runs=a,b[,c…]; a is the baseline, each other run is compared with it): improved, regressed, "
                + "unchanged, and whether the difference is real (with several runs, Holm-adjusted); the top-level figures are b's")
            .RequireEvalRole(WorkspaceRole.Viewer);
        app.MapPost("/api/jobs/{id}/evaluate", EvaluateJob).WithTags("Evals").WithName("EvaluateJob")
            .WithSummary("Evaluate a finished job's model against its base model: on { evalId } or, without one, a new eval of its validation "
                + "set (else its training set) whose answers should read like the references (fuzzy_match ≥ 0.8); two runs → 202. "
                + "{ against: \"original\" } compares a re-run with the model of the job it re-runs instead")
            .RequireRoleOn<JobStore>(WorkspaceRole.Member, "id", (store, id) => store.WorkspaceOfAsync(id));
        return app;
    }

    private static RouteHandlerBuilder RequireEvalRole(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireRoleOn<EvalStore>(role, "id", (store, id) => store.WorkspaceOfAsync(id));

    public static async Task<Ok<IReadOnlyList<Eval>>> ListEvals(WorkspaceScope workspace, [AsParameters] EvalServices services) =>
        TypedResults.Ok(await services.Evals.ListAsync(workspace.Id));

    public static async Task<Results<Ok<Eval>, NotFound>> GetEval(string id, [AsParameters] EvalServices services) =>
        await services.Evals.GetAsync(id) is { } eval ? TypedResults.Ok(eval) : TypedResults.NotFound();

    public static async Task<Results<Created<Eval>, ProblemHttpResult>> CreateEval(
        CreateEvalRequest request, ClaimsPrincipal user, WorkspaceScope workspace, [AsParameters] EvalServices services, CancellationToken cancellationToken)
    {
        using var none = JsonDocument.Parse("[]");
        return await DefineAsync(request.Name, request.DatasetId, request.Graders ?? none.RootElement.Clone(), request.PassThreshold,
            user, workspace.Id, services, cancellationToken);
    }

    public static async Task<Results<Created<Eval>, ProblemHttpResult>> ImportEval(
        JsonElement openAIEval, [FromQuery] string? datasetId, ClaimsPrincipal user, WorkspaceScope workspace, [AsParameters] EvalServices services,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(datasetId)) return ApiProblems.BadRequest("The eval cannot be imported", "Give the test set as ?datasetId=: OpenAI's eval names none.");
        string name;
        JsonElement graders;
        double? passThreshold;
        try
        {
            (name, graders, passThreshold) = EvalFormats.ImportOpenAI(openAIEval);
        }
        catch (FormatException e)
        {
            return ApiProblems.BadRequest("The eval cannot be imported", e.Message);
        }
        return await DefineAsync(name, datasetId, graders, passThreshold, user, workspace.Id, services, cancellationToken);
    }

    public static async Task<Results<Ok<Eval>, ContentHttpResult, ProblemHttpResult>> ExportEval(
        string id, [FromQuery] string? format, [FromQuery] string? model, [AsParameters] EvalServices services)
    {
        var eval = (await services.Evals.GetAsync(id))!;
        return format switch
        {
            null or "finetune" => TypedResults.Ok(eval),
            "promptfoo" => TypedResults.Text(
                EvalFormats.ExportPromptfoo(eval.Name, $"{eval.DatasetId}.jsonl", eval.Graders, model ?? "openai:gpt-4.1-mini"), "application/yaml"),
            _ => ApiProblems.BadRequest("Unknown export format", $"format must be finetune or promptfoo, not '{format}'."),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteEval(
        string id, ClaimsPrincipal user, [AsParameters] EvalServices services)
    {
        var eval = (await services.Evals.GetAsync(id))!;
        if (eval.CreatedBy != user.UserId() && await services.Access.RoleAsync(user, eval.WorkspaceId) != WorkspaceRole.Owner)
            return TypedResults.Problem(title: "Not yours to delete", detail: "Only its creator or a workspace owner deletes an eval.", statusCode: StatusCodes.Status403Forbidden);
        await services.Evals.DeleteAsync(eval);
        await services.Audit.RecordAsync(eval.WorkspaceId, user, AuditAction.EvalDeleted, "eval", eval.Id, eval.Name);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<EvalRun>>> ListRuns(string id, [AsParameters] EvalServices services) =>
        TypedResults.Ok(await services.Evals.ListRunsAsync(id));

    public static async Task<Results<Accepted<EvalRun>, ProblemHttpResult>> CreateRun(
        string id, CreateEvalRunRequest request, ClaimsPrincipal user, [AsParameters] EvalServices services)
    {
        var eval = (await services.Evals.GetAsync(id))!;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model)) errors["model"] = ["Choose the model to evaluate."];
        if (await services.Connections.FindAsync(request.ConnectionId, eval.WorkspaceId) is null)
            errors["connectionId"] = [$"There is no connection {request.ConnectionId}."];
        if (request.Temperature is < 0 or > 2) errors["temperature"] = ["temperature must be between 0 and 2."];
        if (request.MaxTokens is < 1) errors["maxTokens"] = ["maxTokens must be at least 1."];
        if (errors.Count > 0) return ApiProblems.BadRequest("The run cannot start", errors);

        var run = await StartRunAsync(eval, request, jobId: null, user, services);
        return TypedResults.Accepted($"/api/evals/{eval.Id}/runs/{run.Id}", run);
    }

    // One click from a finished job: its fine-tuned model and its base model (or, for a re-run, the original's model) on the same
    // eval, answered the same way (temperature 0, one seed), and the comparison to open once both finish.
    public static async Task<Results<Accepted<JobEvaluationStarted>, ProblemHttpResult>> EvaluateJob(
        string id, EvaluateJobRequest? request, ClaimsPrincipal user, [AsParameters] EvalServices services, JobStore jobs, CancellationToken cancellationToken)
    {
        var job = (await jobs.GetAsync(id))!;
        if (job is not { Status: JobStatus.Succeeded, FineTunedModel: { } fineTunedModel })
            return ApiProblems.BadRequest("The job has no model to evaluate yet", $"It is {job.Status}; a job is evaluated once it has succeeded.");

        var sampling = new CreateEvalRunRequest(job.Model, job.ConnectionId, Temperature: 0, Seed: job.Seed ?? 1);
        var (baseline, refused) = await BaselineAsync(job, request, sampling, services, jobs);
        if (refused is not null) return refused;

        Eval eval;
        if (baseline!.Recorded is { } recorded)
        {
            eval = (await services.Evals.GetAsync(recorded.EvalId))!;
        }
        else if (request?.EvalId is { } evalId)
        {
            if (await services.Evals.GetInWorkspaceAsync(evalId, job.WorkspaceId) is not { } chosen)
                return ApiProblems.BadRequest("The eval cannot be used", $"The job's workspace has no eval {evalId}.");
            eval = chosen;
        }
        else
        {
            var defined = await DefineAsync($"{job.AuditName()} against {baseline.Model}", job.ValidationDatasetId ?? job.TrainingDatasetId,
                LikeTheReference.RootElement, passThreshold: null, user, job.WorkspaceId, services, cancellationToken);
            if (defined.Result is not Created<Eval> { Value: { } created }) return (ProblemHttpResult)defined.Result;
            eval = created;
        }

        var baseRun = baseline.Recorded ?? await StartRunAsync(eval, baseline.Sampling!, job.Id, user, services);
        var fineTunedRun = await StartRunAsync(eval, sampling with { Model = fineTunedModel }, job.Id, user, services);
        var evaluation = new JobEvaluation(eval.Id, baseRun.Id, fineTunedRun.Id) { Against = baseline.Against, BasePassRate = baseline.Recorded?.PassRate };
        await jobs.UpdateAsync(job.Id, current => current with { Evaluation = evaluation });
        var compareUrl = $"/evals/{eval.Id}/compare?runs={baseRun.Id},{fineTunedRun.Id}";
        return TypedResults.Accepted(compareUrl, new JobEvaluationStarted(eval.Id, baseRun.Id, fineTunedRun.Id, compareUrl));
    }

    // What a job's model is compared with: the base model, or a re-run's original model on the original's connection, run
    // now (Sampling); or, for an original imported from a bundle, whose provider is not asked from here, the finished run of
    // its model that the bundle brought (Recorded).
    private sealed record Baseline(string Against, string Model, CreateEvalRunRequest? Sampling, EvalRun? Recorded);

    private static async Task<(Baseline? Baseline, ProblemHttpResult? Refused)> BaselineAsync(
        FineTuneJob job, EvaluateJobRequest? request, CreateEvalRunRequest sampling, EvalServices services, JobStore jobs)
    {
        const string title = "The job cannot be compared with its original";
        switch (request?.Against ?? EvaluateJobRequest.AgainstBase)
        {
            case EvaluateJobRequest.AgainstBase:
                return (new Baseline(EvaluateJobRequest.AgainstBase, job.Model, sampling, null), null);
            case not EvaluateJobRequest.AgainstOriginal:
                return (null, ApiProblems.BadRequest("The job cannot be evaluated", new Dictionary<string, string[]>
                {
                    ["against"] = [$"Compare against {EvaluateJobRequest.AgainstBase} or {EvaluateJobRequest.AgainstOriginal}, not \"{request!.Against}\"."],
                }));
        }
        if (job.RerunOf is null) return (null, ApiProblems.BadRequest(title, $"Job {job.Id} is not a re-run of another job."));
        if (await jobs.GetAsync(job.RerunOf) is not { Status: JobStatus.Succeeded, FineTunedModel: { } originalModel } original)
            return (null, ApiProblems.BadRequest(title, $"The original job {job.RerunOf} was deleted or has no fine-tuned model."));
        if (original.Bundle is not { } bundle)
        {
            if (await services.Connections.FindAsync(original.ConnectionId, job.WorkspaceId) is null)
                return (null, ApiProblems.BadRequest(title, $"The original's connection {original.ConnectionId} was deleted, so its model cannot be asked."));
            return (new Baseline(EvaluateJobRequest.AgainstOriginal, originalModel, sampling with { Model = originalModel, ConnectionId = original.ConnectionId }, null),
                null);
        }
        foreach (var eval in await services.Evals.ListAsync(job.WorkspaceId))
        {
            if (request?.EvalId is { } evalId && eval.Id != evalId) continue;
            var runs = await services.Evals.ListRunsAsync(eval.Id);
            // By its model alone: a run started on the eval's page, not from the job, names no job.
            if (runs.FirstOrDefault(run => run.Model == originalModel && run.Status == EvalRunStatus.Completed) is { } recorded)
                return (new Baseline(EvaluateJobRequest.AgainstOriginal, originalModel, null, recorded), null);
        }
        return (null, ApiProblems.BadRequest(title, $"Job {original.Id} ran on {bundle.ConnectionKind} at {bundle.EndpointHost}, which is not asked from here, "
            + $"and its bundle brought no finished eval run of {originalModel}{(request?.EvalId is { } chosen ? $" on eval {chosen}" : "")} to compare with."));
    }

    // Answers that read like the references: what a fine-tune on chat examples is for.
    private static readonly JsonDocument LikeTheReference = JsonDocument.Parse("""
        [{ "type": "text_similarity", "name": "like the reference", "input": "{{ sample.output_text }}", "reference": "{{ item.reference }}",
           "evaluation_metric": "fuzzy_match", "pass_threshold": 0.8 }]
        """);

    private static async Task<EvalRun> StartRunAsync(Eval eval, CreateEvalRunRequest request, string? jobId, ClaimsPrincipal user, EvalServices services)
    {
        var run = new EvalRun
        {
            Id = "evalrun_" + Guid.NewGuid().ToString("N")[..16],
            EvalId = eval.Id,
            WorkspaceId = eval.WorkspaceId,
            Status = EvalRunStatus.Queued,
            Model = request.Model.Trim(),
            ConnectionId = ProviderConnection.IsServer(request.ConnectionId) ? null : request.ConnectionId,
            Temperature = request.Temperature,
            MaxTokens = request.MaxTokens,
            Seed = request.Seed,
            SystemPrompt = string.IsNullOrWhiteSpace(request.SystemPrompt) ? null : request.SystemPrompt,
            Price = services.Catalog.AnsweringPriceOf(request.Model),
            JobId = jobId,
            CreatedBy = user.UserId(),
            CreatedAt = services.Time.GetUtcNow(),
        };
        await services.Evals.SaveAndPublishRunAsync(run);
        await services.Audit.RecordAsync(eval.WorkspaceId, user, AuditAction.EvalRunStarted, "eval", eval.Id, eval.Name, $"{run.Id} on {run.Model}");
        return run;
    }

    public static async Task<Results<Ok<EvalRun>, NotFound>> GetRun(string id, string runId, [AsParameters] EvalServices services) =>
        await services.Evals.GetRunAsync(runId) is { } run && run.EvalId == id ? TypedResults.Ok(run) : TypedResults.NotFound();

    public static async Task<Results<Ok<EvalItemPage>, NotFound>> GetRunItems(
        string id, string runId, [FromQuery] int? offset, [FromQuery] int? limit, [AsParameters] EvalServices services)
    {
        if (await services.Evals.GetRunAsync(runId) is not { } run || run.EvalId != id) return TypedResults.NotFound();
        var items = await services.Evals.ItemsAsync(runId);
        return TypedResults.Ok(new EvalItemPage(items.Count, [.. items.Skip(Math.Max(offset ?? 0, 0)).Take(Math.Clamp(limit ?? 100, 1, 1000))]));
    }

    // As a job's: the cancel is asked for first, so the Worker saves nothing over it.
    public static async Task<Results<Ok<EvalRun>, NotFound, Conflict<ProblemDetails>>> CancelRun(
        string id, string runId, ClaimsPrincipal user, [AsParameters] EvalServices services)
    {
        if (await services.Evals.GetRunAsync(runId) is not { } run || run.EvalId != id) return TypedResults.NotFound();
        if (EvalRunStatus.IsFinished(run.Status))
            return ApiProblems.Conflict("The run has finished", $"It is {run.Status}.");
        await services.Evals.RequestCancelAsync(run.Id);
        var cancelled = (await services.Evals.GetRunAsync(run.Id) ?? run) with { Status = EvalRunStatus.Cancelled, FinishedAt = services.Time.GetUtcNow() };
        await services.Evals.SaveAndPublishRunAsync(cancelled);
        await services.Audit.RecordAsync(run.WorkspaceId, user, AuditAction.EvalRunCancelled, "eval", run.EvalId, null, run.Id);
        return TypedResults.Ok(cancelled);
    }

    // A run's answers kept before the model behind them changes or is retired. Only a finished run: a running one's answers
    // are still coming in, and a recording is one version that never changes.
    public static async Task<Results<Created<DatasetRecord>, NotFound, Conflict<ProblemDetails>, ProblemHttpResult>> RecordRun(
        string id, string runId, RecordRunRequest request, ClaimsPrincipal user, [AsParameters] EvalServices services, EvalRecordings recordings,
        CancellationToken cancellationToken)
    {
        if (await services.Evals.GetRunAsync(runId) is not { } run || run.EvalId != id) return TypedResults.NotFound();
        if (!EvalRunStatus.IsFinished(run.Status)) return ApiProblems.Conflict("The run has not finished", $"It is {run.Status}; record it once it has finished.");
        if (string.IsNullOrWhiteSpace(request.Name))
            return ApiProblems.BadRequest("The run cannot be recorded", new Dictionary<string, string[]> { ["name"] = ["Name the dataset."] });
        var answers = await recordings.AnswersAsync(run);
        if (answers.Count == 0) return ApiProblems.BadRequest("The run cannot be recorded", "The model answered none of its items.");

        var eval = (await services.Evals.GetAsync(id))!;
        var dataset = await recordings.RecordAsync(eval, run, answers, request.Name.Trim(), user.UserId(), cancellationToken);
        await services.Audit.RecordAsync(eval.WorkspaceId, user, AuditAction.EvalRunRecorded, "eval", eval.Id, eval.Name,
            $"{run.Id} on {run.Model} as {dataset.Name} ({dataset.Id}), {dataset.Provenance!.Examples} examples");
        return TypedResults.Created($"/api/datasets/{dataset.Id}", dataset);
    }

    public static async Task<Results<Ok<EvalComparison>, ProblemHttpResult>> CompareRuns(
        string id, [FromQuery] string? runs, [AsParameters] EvalServices services)
    {
        const string title = "The runs cannot be compared";
        var runIds = (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (runIds.Length < 2 || runIds.Length > RunComparison.MaxComparedRuns + 1)
            return ApiProblems.BadRequest(title, $"Give ?runs=A,B[,C…]: A the baseline and 1 to {RunComparison.MaxComparedRuns} runs compared with it.");
        var found = new List<EvalRun>();
        foreach (var runId in runIds)
        {
            if (await services.Evals.GetRunAsync(runId) is not { } run || run.EvalId != id) return ApiProblems.BadRequest(title, $"The eval has no run {runId}.");
            found.Add(run);
        }
        var items = new List<Dictionary<int, EvalItemResult>>();
        foreach (var run in found) items.Add((await services.Evals.ItemsAsync(run.Id)).ToDictionary(item => item.Line));
        var baseline = items[0];
        var againstBaseline = items.Skip(1).Select(other => (IReadOnlyList<PairedOutcome>)baseline.Keys.Intersect(other.Keys).Order()
            .Select(line => new PairedOutcome(line, baseline[line].Passed, other[line].Passed, MeanScore(baseline[line]), MeanScore(other[line])))
            .ToList()).ToList();
        var comparisons = RunComparison.CompareEach(againstBaseline).Select((c, index) => new EvalRunComparison(found[index + 1].Id, c.Label,
            c.Improved, c.Regressed, c.Unchanged, c.PValue, c.AdjustedPValue, c.MeanScoreDifference, c.ConfidenceLow, c.ConfidenceHigh, c.Summary)).ToList();
        var first = comparisons[0];
        return TypedResults.Ok(new EvalComparison(found, first.Improved, first.Regressed, first.Unchanged, first.PValue,
            first.MeanScoreDifference, first.ConfidenceLow, first.ConfidenceHigh, first.Summary, comparisons));
    }

    private static double? MeanScore(EvalItemResult item)
    {
        var scores = item.Grades.Where(grade => grade.Error is null).Select(grade => grade.Score).ToList();
        return scores.Count == 0 ? null : scores.Average();
    }

    // Checks the test set's items and the graders against them, then saves the eval.
    private static async Task<Results<Created<Eval>, ProblemHttpResult>> DefineAsync(
        string name, string datasetId, JsonElement graders, double? passThreshold, ClaimsPrincipal user, string workspaceId,
        EvalServices services, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name)) errors["name"] = ["Name the eval."];
        if (passThreshold is < 0 or > 1) errors["passThreshold"] = ["passThreshold is a pass rate between 0 and 1."];
        var dataset = await services.Datasets.GetInWorkspaceAsync(datasetId, workspaceId);
        if (dataset is null) errors["datasetId"] = [$"There is no dataset {datasetId}."];
        if (graders.ValueKind != JsonValueKind.Array) errors["graders"] = ["graders is a list of grader objects."];
        if (errors.Count > 0) return ApiProblems.BadRequest("The eval cannot be saved", errors);

        var fields = await ItemFieldsAsync(dataset!, services.Blobs, cancellationToken);
        if (fields.Problem is { } problem) return ApiProblems.BadRequest("The eval cannot be saved", new Dictionary<string, string[]> { ["datasetId"] = [problem] });
        GraderSet.Parse(graders, fields.Names, out var problems);
        if (problems.Count > 0) return ApiProblems.BadRequest("The graders do not fit the test set", new Dictionary<string, string[]> { ["graders"] = [.. problems] });

        var eval = new Eval
        {
            Id = "eval_" + Guid.NewGuid().ToString("N")[..16],
            WorkspaceId = workspaceId,
            Name = name.Trim(),
            DatasetId = dataset!.Id,
            DatasetSha256 = dataset.Sha256,
            Graders = graders.Clone(),
            PassThreshold = passThreshold,
            CreatedBy = user.UserId(),
            CreatedAt = services.Time.GetUtcNow(),
        };
        await services.Evals.SaveAsync(eval);
        await services.Audit.RecordAsync(workspaceId, user, AuditAction.EvalCreated, "eval", eval.Id, eval.Name, $"on {dataset.Name}");
        return TypedResults.Created($"/api/evals/{eval.Id}", eval);
    }

    // The fields every item of the test set has (a template may name only those), or the first line that is no item.
    private static async Task<(IReadOnlySet<string> Names, string? Problem)> ItemFieldsAsync(DatasetRecord dataset, BlobStore blobs, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(blobs.OpenRead(dataset.Sha256));
        try
        {
            return await EvalItem.CommonFieldNamesAsync(EvalItem.ReadAsync(reader, cancellationToken)) is { } names
                ? (names, null)
                : (new HashSet<string>(), $"{dataset.Name} has no items.");
        }
        catch (FormatException e)
        {
            return (new HashSet<string>(), $"{dataset.Name}: {e.Message}");
        }
    }
}

public sealed record EvalServices(
    EvalStore Evals,
    DatasetStore Datasets,
    BlobStore Blobs,
    ProviderConnections Connections,
    WorkspaceAccess Access,
    AuditLog Audit,
    ModelCatalog Catalog,
    TimeProvider Time);
