namespace FineTune.Worker.Polling;

// The request budget of one provider connection: a token bucket. Callers reserve a token and wait
// until it is theirs, in the order they asked, so the provider never sees more than
// RequestBurst + RequestsPerSecond × t requests in any window of t seconds.
public sealed class RequestBudget
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private double _tokens;
    private long _refilledAt;

    public RequestBudget(double requestsPerSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _time = time;
        _perSecond = requestsPerSecond;
        _burst = burst;
        _tokens = burst;
        _refilledAt = time.GetTimestamp();
    }

    // Tokens there are now, below zero while requests wait for theirs.
    public double TokensLeft
    {
        get
        {
            lock (_gate)
            {
                return Math.Min(_burst, _tokens + _time.GetElapsedTime(_refilledAt).TotalSeconds * _perSecond);
            }
        }
    }

    // Takes one token (possibly ahead of time) and says how long to wait before using it.
    public TimeSpan Reserve()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_refilledAt, now).TotalSeconds * _perSecond);
            _refilledAt = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _perSecond);
        }
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var wait = Reserve();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken);
    }
}
