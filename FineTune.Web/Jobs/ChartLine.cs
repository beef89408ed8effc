namespace FineTune.Web.Jobs;

// What the SVG line chart draws: lines of (x, y) points, vertical marks (checkpoints) and one highlighted point.
public sealed record ChartLine(string Name, string Color, IReadOnlyList<ChartPoint> Points, bool Dashed = false);

public readonly record struct ChartPoint(double X, double Y);

public sealed record ChartMark(double X, string Label);

public sealed record ChartHighlight(double X, double Y, string Label);

public static class ChartColors
{
    public static readonly IReadOnlyList<string> Palette = ["#1976d2", "#e65100", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#ad1457", "#4e342e"];

    public static string At(int index) => Palette[index % Palette.Count];
}
