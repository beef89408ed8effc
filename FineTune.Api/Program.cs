using FineTune.Api.Auth;
using FineTune.Api.Datasets;
using FineTune.Api.Extensions;
using FineTune.Api.Jobs;
using FineTune.Api.Models;
using FineTune.Api.Playground;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapMeApi();
app.MapDatasetsApi();
app.MapJobsApi();
app.MapModelsApi();
app.MapPlaygroundApi();

app.Run();

public partial class Program;
