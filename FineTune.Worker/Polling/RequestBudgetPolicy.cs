using System.ClientModel.Primitives;

namespace FineTune.Worker.Polling;

// Makes every request the provider client sends wait for a token of the connection's budget,
// including each page of a paged event list.
public sealed class RequestBudgetPolicy(RequestBudget budget) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        budget.WaitAsync(message.CancellationToken).AsTask().GetAwaiter().GetResult();
        ProcessNext(message, pipeline, currentIndex);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await budget.WaitAsync(message.CancellationToken);
        await ProcessNextAsync(message, pipeline, currentIndex);
    }
}
