using FineTune.Web.Account;
using FineTune.Web.Bundles;
using FineTune.Web.Components;
using FineTune.Web.Datasets;
using FineTune.Web.Evals;
using FineTune.Web.Extensions;
using FineTune.Web.Jobs;
using FineTune.Web.Workspaces;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebServices();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapDefaultEndpoints();
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapSingleSignOn();
app.MapWorkspaceEndpoints();
app.MapDatasetFiles();
app.MapEvalExports();
app.MapBundles();
app.MapHub<JobsHub>(JobsHubContract.Path);
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

public partial class Program;
