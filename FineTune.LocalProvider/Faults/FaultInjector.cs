using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Faults;

public sealed record FaultRuleState(FaultRule Rule, int Matched, int Fired);

public sealed record FaultSettings(int Seed, IReadOnlyList<FaultRuleState> Rules);

// Decides which requests get a fault. Each rule draws from its own Random (seeded from the seed
// and the rule's position), so one rule's traffic does not shift another rule's faults, and a
// test that replays the same requests sees the same faults.
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private int _seed;
    private List<ActiveRule> _rules = [];

    public FaultInjector(IOptions<FaultOptions> options) => Replace(options.Value);

    public void Replace(FaultOptions options)
    {
        var rules = options.Rules.Select((rule, index) => new ActiveRule(rule, new Random(HashCode.Combine(options.Seed, index)))).ToList();
        lock (_gate)
        {
            _seed = options.Seed;
            _rules = rules;
        }
    }

    public FaultSettings Current()
    {
        lock (_gate) return new FaultSettings(_seed, _rules.Select(rule => new FaultRuleState(rule.Rule, rule.Matched, rule.Fired)).ToList());
    }

    // The first matching rule that fires, if any.
    public FaultRule? Draw(string method, string path)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (!rule.Matches(method, path)) continue;
                rule.Matched++;
                if (rule.Rule.Times is { } times && rule.Fired >= times) continue;
                // Always drawn, so that the sequence does not depend on Times.
                if (rule.Random.NextDouble() >= rule.Rule.Rate) continue;
                rule.Fired++;
                return rule.Rule;
            }
            return null;
        }
    }

    private sealed class ActiveRule(FaultRule rule, Random random)
    {
        private readonly Regex _path = new("^" + Regex.Escape(rule.Path).Replace(@"\*", ".*") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public FaultRule Rule { get; } = rule;
        public Random Random { get; } = random;
        public int Matched { get; set; }
        public int Fired { get; set; }

        public bool Matches(string method, string path) =>
            (string.IsNullOrEmpty(Rule.Method) || string.Equals(Rule.Method, method, StringComparison.OrdinalIgnoreCase)) && _path.IsMatch(path);
    }
}
