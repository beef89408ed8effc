using MudBlazor;

namespace FineTune.Web.Components.Layout;

// MudBlazor's default palette draws success, info, warning, error and secondary text below WCAG AA's 4.5:1 on white.
// These are darker shades of the same hues, each at least 5:1 on white and on the light grey of tables and alerts.
public static class ConsoleTheme
{
    public const string Info = "#1565c0";
    public const string Success = "#2e7d32";
    public const string Warning = "#a65100";
    public const string Error = "#c62828";
    public const string TextSecondary = "#666666";

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Secondary = "#c2185b",
            Tertiary = "#00796b",
            Info = Info,
            Success = Success,
            Warning = Warning,
            Error = Error,
            TextSecondary = TextSecondary,
        },
    };
}
