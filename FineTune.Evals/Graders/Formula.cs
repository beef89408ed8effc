using System.Globalization;

namespace FineTune.Evals;

// A multi grader's calculate_output, as OpenAI documents it: numbers, the sub-graders' names, + - * / ^ (power, right
// to left, above a leading minus: -2^2 is -4), parentheses, and the functions min, max (any number of arguments), abs,
// floor, ceil, exp, sqrt and log (natural). Parsed once into a function of the sub-graders' scores.
internal sealed class Formula
{
    private static readonly Dictionary<string, Func<double, double>> Unary = new(StringComparer.Ordinal)
    {
        ["abs"] = Math.Abs,
        ["floor"] = Math.Floor,
        ["ceil"] = Math.Ceiling,
        ["exp"] = Math.Exp,
        ["sqrt"] = Math.Sqrt,
        ["log"] = Math.Log,
    };

    private readonly string _text;
    private readonly IReadOnlySet<string> _names;
    private int _at;

    private Formula(string text, IReadOnlySet<string> names)
    {
        _text = text;
        _names = names;
    }

    // FormatException saying what is wrong and where.
    public static Func<IReadOnlyDictionary<string, double>, double> Parse(string text, IReadOnlySet<string> names)
    {
        var parser = new Formula(text, names);
        var formula = parser.Sum();
        parser.SkipSpaces();
        if (parser._at < text.Length) throw parser.Fail($"unexpected '{text[parser._at]}'");
        return formula;
    }

    private Func<IReadOnlyDictionary<string, double>, double> Sum() => Chain(Product, ('+', (a, b) => a + b), ('-', (a, b) => a - b));

    private Func<IReadOnlyDictionary<string, double>, double> Product() => Chain(Signed, ('*', (a, b) => a * b), ('/', (a, b) => a / b));

    // Operands joined left to right by operators of one precedence.
    private Func<IReadOnlyDictionary<string, double>, double> Chain(Func<Func<IReadOnlyDictionary<string, double>, double>> operand,
        params (char Symbol, Func<double, double, double> Apply)[] operators)
    {
        var left = operand();
        while (operators.FirstOrDefault(op => Take(op.Symbol)).Apply is { } apply)
        {
            var (a, b) = (left, operand());
            left = scores => apply(a(scores), b(scores));
        }
        return left;
    }

    private Func<IReadOnlyDictionary<string, double>, double> Signed()
    {
        if (Take('-'))
        {
            var operand = Signed();
            return scores => -operand(scores);
        }
        return Take('+') ? Signed() : Power();
    }

    private Func<IReadOnlyDictionary<string, double>, double> Power()
    {
        var bottom = Atom();
        if (!Take('^')) return bottom;
        var top = Signed();
        return scores => Math.Pow(bottom(scores), top(scores));
    }

    private Func<IReadOnlyDictionary<string, double>, double> Atom()
    {
        SkipSpaces();
        if (Take('('))
        {
            var inner = Sum();
            Expect(')');
            return inner;
        }
        var start = _at;
        if (_at < _text.Length && (char.IsDigit(_text[_at]) || _text[_at] == '.'))
        {
            while (_at < _text.Length && (char.IsDigit(_text[_at]) || _text[_at] == '.')) _at++;
            if (!double.TryParse(_text[start.._at], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) throw Fail($"'{_text[start.._at]}' is not a number");
            return _ => number;
        }
        while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_')) _at++;
        var name = _text[start.._at];
        if (name.Length == 0) throw Fail(_at < _text.Length ? $"unexpected '{_text[_at]}'" : "it ends too soon");
        if (Take('(')) return Call(name);
        if (!_names.Contains(name))
        {
            _at = start;
            throw Fail($"'{name}' is not one of its graders ({string.Join(", ", _names.Order(StringComparer.Ordinal))})");
        }
        return scores => scores[name];
    }

    private Func<IReadOnlyDictionary<string, double>, double> Call(string function)
    {
        var arguments = new List<Func<IReadOnlyDictionary<string, double>, double>> { Sum() };
        while (Take(',')) arguments.Add(Sum());
        Expect(')');
        if (function is "min" or "max")
        {
            return function == "min" ? scores => arguments.Min(argument => argument(scores)) : scores => arguments.Max(argument => argument(scores));
        }
        if (!Unary.TryGetValue(function, out var apply)) throw Fail($"'{function}' is not a function (min, max, {string.Join(", ", Unary.Keys)})");
        if (arguments.Count != 1) throw Fail($"{function} takes one argument");
        var only = arguments[0];
        return scores => apply(only(scores));
    }

    private bool Take(char c)
    {
        SkipSpaces();
        if (_at >= _text.Length || _text[_at] != c) return false;
        _at++;
        return true;
    }

    private void Expect(char c)
    {
        if (!Take(c)) throw Fail($"expected '{c}'");
    }

    private void SkipSpaces()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at])) _at++;
    }

    private FormatException Fail(string message) => new($"calculate_output \"{_text}\" at {_at + 1}: {message}");
}
