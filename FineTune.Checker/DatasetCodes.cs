namespace FineTune.Checker;

// The stable codes of dataset problems. The first group is what the OpenAI cookbook's checker counts.
public static class DatasetCodes
{
    public const string DataType = "data_type";
    public const string MissingMessagesList = "missing_messages_list";
    public const string MessageMissingKey = "message_missing_key";
    public const string MessageUnrecognizedKey = "message_unrecognized_key";
    public const string UnrecognizedRole = "unrecognized_role";
    public const string MissingContent = "missing_content";
    public const string ExampleMissingAssistantMessage = "example_missing_assistant_message";

    public const string InvalidJson = "invalid_json";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string ByteOrderMark = "byte_order_mark";
    public const string EmptyFile = "empty_file";
    public const string TooFewExamples = "too_few_examples";
    public const string FileTooLarge = "file_too_large";
    public const string MixedFormats = "mixed_formats";
    public const string MethodMismatch = "method_mismatch";
    public const string InvalidWeight = "invalid_weight";
    public const string NoTrainableTokens = "no_trainable_tokens";
    public const string InvalidContentPart = "invalid_content_part";
    public const string InvalidToolCall = "invalid_tool_call";
    public const string ToolCallMismatch = "tool_call_mismatch";
    public const string InvalidToolDefinition = "invalid_tool_definition";
    public const string PreferenceMissingKey = "preference_missing_key";
    public const string InvalidPreferenceOutput = "invalid_preference_output";
    public const string ExampleTooLong = "example_too_long";
    public const string SpecialToken = "special_token";

    // Warnings: legal but suspicious.
    public const string DuplicateExample = "duplicate_example";
    public const string MissingUserMessage = "missing_user_message";
    public const string MissingSystemMessage = "missing_system_message";
    public const string UnevenLengths = "uneven_lengths";
    public const string IdenticalAssistantAnswers = "identical_assistant_answers";
    public const string ExampleUnrecognizedKey = "example_unrecognized_key";
    public const string UnknownModel = "unknown_model";
}
