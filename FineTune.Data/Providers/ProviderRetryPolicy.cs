using System.ClientModel.Primitives;

namespace FineTune.Data;

// The SDK's retries, except after the egress policy refused the address: every try would be refused the
// same way, so the first refusal is what the caller gets (a ClientResultException, not the retries' AggregateException).
public sealed class ProviderRetryPolicy(int maxRetries) : ClientRetryPolicy(maxRetries)
{
    // As many as the SDK's own default policy.
    public const int DefaultMaxRetries = 3;

    protected override bool ShouldRetry(PipelineMessage message, Exception? exception) =>
        EgressRefusedException.Find(exception) is null && base.ShouldRetry(message, exception);

    protected override async ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        EgressRefusedException.Find(exception) is null && await base.ShouldRetryAsync(message, exception);
}
