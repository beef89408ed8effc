using System.Text.Json;

namespace FineTune.Evals;

// An eval's definition as teams bring it and take it away.
public static class EvalFormats
{
    // An eval as OpenAI's API returned it (data_source_config, testing_criteria): its name and its graders in the shape
    // GraderSet.Parse takes. FormatException naming what is missing or not understood.
    public static (string Name, JsonElement Graders, double? PassThreshold) ImportOpenAI(JsonElement openAIEval) => throw new NotImplementedException();

    // A Promptfoo configuration (YAML) that runs the same test set with the same graders, as far as Promptfoo has them.
    public static string ExportPromptfoo(string name, string testSetPath, JsonElement graders, string model) => throw new NotImplementedException();
}
