using System.Threading.Channels;

namespace FineTune.LocalProvider.FineTuning;

// Hands job ids from the request path to the runner, so that a request never waits on training.
public sealed class JobQueue
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string jobId) => _channel.Writer.TryWrite(jobId);

    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);
}
