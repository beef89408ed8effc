namespace FineTune.Evals;

// One grader of an eval. GradeAsync grades one answer and may throw (TemplateException when a template cannot render
// for this item, anything else that stops it); AddGradesAsync turns that into an error grade, so one grader's failure
// never stops the others. Only cancellation goes through.
internal abstract class Grader(string name)
{
    public string Name { get; } = name;

    public abstract Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken);

    // This grader's grades, appended to grades: one, or a multi's sub-graders' and then its own.
    public virtual async Task AddGradesAsync(GradingContext context, List<EvalGrade> grades, CancellationToken cancellationToken)
    {
        try
        {
            grades.Add(await GradeAsync(context, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            grades.Add(Error(e.Message));
        }
    }

    protected EvalGrade Grade(double score, bool passed, string? label = null, string? reasoning = null) => new(Name, score, passed, label, reasoning);

    protected EvalGrade Error(string error, string? reasoning = null) => new(Name, 0, false, Reasoning: reasoning, Error: error);
}
