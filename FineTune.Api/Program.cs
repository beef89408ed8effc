using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Backups;
using FineTune.Api.Bundles;
using FineTune.Api.Connections;
using FineTune.Api.Datasets;
using FineTune.Api.Evals;
using FineTune.Api.Jobs;
using FineTune.Api.Models;
using FineTune.Api.Notifications;
using FineTune.Api.Playground;
using FineTune.Api.Workspaces;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapAccountsApi();
app.MapWorkspacesApi();
app.MapConnectionsApi();
app.MapDatasetsApi();
app.MapJobsApi();
app.MapEvalsApi();
app.MapBundlesApi();
app.MapAuditApi();
app.MapWorkspaceSettingsApi();
app.MapNotificationsApi();
app.MapModelsApi();
app.MapPlaygroundApi();
app.MapBackupApi();

app.Run();

public partial class Program;
