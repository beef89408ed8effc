namespace FineTune.Web.Playground;

// The playground with a base model on one side and a fine-tuned model (or checkpoint) on the other, both
// on the connection the job ran on.
public static class PlaygroundLink
{
    public static string For(string baseModel, string model, string? connectionId) =>
        $"/playground?a={Uri.EscapeDataString(baseModel)}&b={Uri.EscapeDataString(model)}"
        + (connectionId is null ? "" : $"&c={Uri.EscapeDataString(connectionId)}");
}
