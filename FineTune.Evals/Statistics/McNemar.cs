namespace FineTune.Evals;

// McNemar's exact test: of the items whose pass/fail differs between the runs, improved ones are b and regressed ones
// c. With no real difference each is a fair coin, so the two-sided p-value is 2·P(X <= min(b, c)) for X ~ Bin(b + c, ½),
// at most 1. Summed in logs, so a thousand discordant items do not underflow.
internal static class McNemar
{
    public static double ExactPValue(int improved, int regressed)
    {
        var n = improved + regressed;
        if (n == 0) return 1;
        var k = Math.Min(improved, regressed);
        var logTerm = -n * Math.Log(2);
        var sum = 0.0;
        for (var i = 0; i <= k; i++)
        {
            sum += Math.Exp(logTerm);
            logTerm += Math.Log(n - i) - Math.Log(i + 1);
        }
        return Math.Min(1, 2 * sum);
    }
}
