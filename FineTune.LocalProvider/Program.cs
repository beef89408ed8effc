using FineTune.LocalProvider.Chat;
using FineTune.LocalProvider.Faults;
using FineTune.LocalProvider.Files;
using FineTune.LocalProvider.FineTuning;
using FineTune.LocalProvider.Models;
using FineTune.LocalProvider.OpenAI;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLocalProvider();

var app = builder.Build();

app.UseMiddleware<FaultInjectionMiddleware>();
app.MapDefaultEndpoints();
app.MapFilesApi();
app.MapUploadsApi();
app.MapFineTuningApi();
app.MapModelsApi();
app.MapChatApi();
app.MapFaultsApi();
app.MapFallback("v1/{**path}", (HttpRequest request) =>
    OpenAIErrors.NotFound($"Invalid URL ({request.Method} {request.Path})", null, "unknown_url"));

app.Run();

public partial class Program;
