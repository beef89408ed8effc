using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Define an eval, run it twice and compare the runs in the browser, against the real AppHost. The local provider's base
// model answers each prompt with a stand-in that quotes the user's message: a grader that looks for the question in the
// answer passes every item, until the answer is cut short by a small max tokens.
[Collection(AppHostCollection.Name)]
public sealed partial class EvalBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string EchoGrader = """
        [{ "type": "string_check", "name": "echo", "input": "{{ sample.output_text }}", "reference": "{{ item.input }}", "operation": "like" }]
        """;

    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(EvalBrowserTests));

    [Fact]
    public async Task Define_an_eval_watch_a_run_grade_live_run_it_again_and_compare_the_runs()
    {
        var dataset = await fixture.UploadCapitalsAsync($"browser-evals-{Guid.NewGuid():N}"[..21] + ".jsonl");
        var items = File.ReadLines(AppHostFixture.Sample("capitals-train.jsonl")).Count(line => !string.IsNullOrWhiteSpace(line));
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync("/evals");
        await page.GetByTestId("eval-test-set").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = dataset.Name }).First.ClickAsync();
        await page.GetByTestId("eval-name-input").FillAsync("capitals echo");
        var graders = page.Locator("textarea[data-testid=eval-graders-input]");
        await Assertions.Expect(graders).ToHaveValueAsync(new Regex("string_check"));

        // A template naming a field the items lack: the Api's problem names the grader and the field, under the graders.
        await graders.FillAsync(EchoGrader.Replace("item.input", "item.answer"));
        await page.GetByTestId("create-eval").ClickAsync();
        await Assertions.Expect(page.GetByTestId("grader-problem")).ToContainTextAsync("echo");
        await Assertions.Expect(page.GetByTestId("grader-problem")).ToContainTextAsync("item.answer");

        await graders.FillAsync(EchoGrader);
        await page.GetByTestId("create-eval").ClickAsync();
        await page.WaitForURLAsync(EvalPageUrl());
        var evalId = page.Url.Split('/')[^1];
        await Assertions.Expect(page.GetByTestId("eval-name")).ToHaveTextAsync("capitals echo");
        await Assertions.Expect(page.GetByTestId("eval-graders")).ToContainTextAsync("echo (string_check)");

        // The provider takes its time over each answer, so the run is seen going.
        using var provider = new HttpClient { BaseAddress = fixture.App.GetEndpoint("localprovider", "http") };
        (await provider.PostAsJsonAsync("/admin/faults",
            new { seed = 1, rules = new[] { new { path = "/v1/chat/completions", method = "POST", kind = "delay", delay = "00:00:02" } } })).EnsureSuccessStatusCode();
        string firstRun;
        try
        {
            await Assertions.Expect(page.GetByTestId("run-model")).ToHaveValueAsync("gpt-4.1-mini");
            await page.GetByTestId("run-start").ClickAsync();
            await page.WaitForURLAsync(RunPageUrl());
            firstRun = page.Url.Split('/')[^1];

            await AppHostFixture.WaitForAsync(async () => await GradedAsync(page) is > 0 and var graded && graded < items, "some items graded, not all, on the run page");
            await Assertions.Expect(page.Locator("[data-testid=run-status][data-status=running]")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("eval-item").First).ToBeVisibleAsync();
        }
        finally
        {
            await provider.DeleteAsync("/admin/faults");
        }
        await Assertions.Expect(page.Locator("[data-testid=run-status][data-status=completed]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("run-progress")).ToHaveAttributeAsync("data-graded", $"{items}");
        await Assertions.Expect(page.GetByTestId("run-counts")).ToContainTextAsync($"{items} of {items} graded · {items} passed · 0 failed · 0 errored");
        await Assertions.Expect(page.GetByTestId("run-pass-rate")).ToHaveTextAsync("100%");
        await Assertions.Expect(page.Locator("[data-testid=eval-item][data-passed=passed]").First).ToContainTextAsync("echo 1");

        // Again, with answers cut short before they quote the question.
        await page.GoToInteractivePageAsync($"/evals/{evalId}");
        await Assertions.Expect(page.GetByTestId("run-model")).ToHaveValueAsync("gpt-4.1-mini");
        await page.GetByTestId("run-max-tokens").FillAsync("12");
        await page.GetByTestId("run-max-tokens").BlurAsync();
        await page.GetByTestId("run-start").ClickAsync();
        await page.WaitForURLAsync(RunPageUrl());
        var secondRun = page.Url.Split('/')[^1];
        await Assertions.Expect(page.Locator("[data-testid=run-status][data-status=completed]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("run-pass-rate")).ToHaveTextAsync("0%");

        await page.GoToInteractivePageAsync($"/evals/{evalId}");
        await Assertions.Expect(page.GetByTestId("eval-run-row")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("pass-rate-bars")).ToBeVisibleAsync();
        foreach (var run in new[] { firstRun, secondRun })
        {
            await page.Locator($"[data-testid=eval-run-row][data-run-id='{run}'] input[type=checkbox]").CheckAsync(new() { Force = true });
        }
        await page.GetByTestId("compare-runs").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains($"/compare?runs={firstRun},{secondRun}", StringComparison.Ordinal));

        await Assertions.Expect(page.GetByTestId("compare-improved")).ToHaveTextAsync("0 improved");
        await Assertions.Expect(page.GetByTestId("compare-regressed")).ToHaveTextAsync($"{items} regressed");
        await Assertions.Expect(page.GetByTestId("compare-unchanged")).ToHaveTextAsync("0 unchanged");
        await Assertions.Expect(page.GetByTestId("compare-summary")).ToContainTextAsync($"B passes {items} fewer of {items} items");
        await Assertions.Expect(page.GetByTestId("compare-summary")).ToContainTextAsync("a real difference");
        await Assertions.Expect(page.GetByTestId("compare-filter")).ToContainTextAsync($"regressed ({items})");
        await Assertions.Expect(page.Locator("[data-testid=compare-item][data-change=regressed]").First).ToBeVisibleAsync();

        // A third run, whole answers again: each run is compared with the baseline, and the items table shows the changes of either.
        await page.GoToInteractivePageAsync($"/evals/{evalId}");
        await Assertions.Expect(page.GetByTestId("run-model")).ToHaveValueAsync("gpt-4.1-mini");
        await page.GetByTestId("run-start").ClickAsync();
        await page.WaitForURLAsync(RunPageUrl());
        var thirdRun = page.Url.Split('/')[^1];
        await Assertions.Expect(page.Locator("[data-testid=run-status][data-status=completed]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await page.GoToInteractivePageAsync($"/evals/{evalId}");
        foreach (var run in new[] { firstRun, secondRun, thirdRun })
        {
            await page.Locator($"[data-testid=eval-run-row][data-run-id='{run}'] input[type=checkbox]").CheckAsync(new() { Force = true });
        }
        await page.GetByTestId("compare-runs").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains($"/compare?runs={firstRun},{secondRun},{thirdRun}", StringComparison.Ordinal));

        var againstB = page.Locator("[data-testid=compare-result][data-label=B]");
        var againstC = page.Locator("[data-testid=compare-result][data-label=C]");
        await Assertions.Expect(againstB.GetByTestId("compare-regressed")).ToHaveTextAsync($"{items} regressed");
        await Assertions.Expect(againstB.GetByTestId("compare-summary")).ToContainTextAsync("after Holm's correction for 2 runs, a real difference");
        await Assertions.Expect(againstC.GetByTestId("compare-unchanged")).ToHaveTextAsync($"{items} unchanged");
        await Assertions.Expect(againstC.GetByTestId("compare-summary")).ToContainTextAsync($"C passes as many of {items} items as A");
        await Assertions.Expect(page.GetByTestId("compare-filter")).ToContainTextAsync($"regressed ({items})");
        await page.GetByTestId("compare-changes-of").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "C against A" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("compare-filter")).ToContainTextAsync($"unchanged ({items})");
        await Assertions.Expect(page.Locator("[data-testid=compare-item][data-change=unchanged]").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Evaluate_a_finished_job_against_its_base_model_in_one_click_and_watch_the_comparison_fill_in()
    {
        var dataset = await fixture.UploadCapitalsAsync($"browser-evaluate-{Guid.NewGuid():N}"[..24] + ".jsonl");
        var job = await fixture.TrainAsync(dataset.Id, "evaluated");
        var page = await _browser.NewSignedInPageAsync();
        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");

        // The provider takes its time over each answer, so the comparison is seen filling in.
        using var provider = new HttpClient { BaseAddress = fixture.App.GetEndpoint("localprovider", "http") };
        (await provider.PostAsJsonAsync("/admin/faults",
            new { seed = 1, rules = new[] { new { path = "/v1/chat/completions", method = "POST", kind = "delay", delay = "00:00:01" } } })).EnsureSuccessStatusCode();
        try
        {
            await page.GetByTestId("job-evaluate").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/compare?runs=", StringComparison.Ordinal));
            await Assertions.Expect(page.GetByTestId("compare-partial")).ToBeVisibleAsync();
        }
        finally
        {
            await provider.DeleteAsync("/admin/faults");
        }
        await Assertions.Expect(page.Locator("[data-testid=compare-run][data-status=completed]")).ToHaveCountAsync(2, new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("compare-partial")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByTestId("compare-summary")).ToContainTextAsync(new Regex(@"B passes \d+ more of \d+ items"));
        await Assertions.Expect(page.GetByTestId("compare-summary")).ToContainTextAsync("a real difference");

        // The result stays with the job: on its page and in the jobs list.
        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
        await Assertions.Expect(page.GetByTestId("job-evaluation-result")).ToContainTextAsync("passed");
        await page.GoToInteractivePageAsync("/jobs");
        await Assertions.Expect(page.Locator($"[data-testid=job-row][data-job-id='{job.Id}'] [data-testid=job-latest-eval]")).ToContainTextAsync("→");
    }

    [Fact]
    public async Task Record_a_finished_runs_answers_as_a_dataset_and_see_on_its_page_where_they_came_from()
    {
        var dataset = await fixture.UploadCapitalsAsync($"browser-record-{Guid.NewGuid():N}"[..22] + ".jsonl");
        using var api = fixture.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/evals",
            new CreateEvalRequest("capitals recorded", dataset.Id, JsonDocument.Parse(EchoGrader).RootElement), FineTuneJson.Options);
        var eval = (await created.Content.ReadFromJsonAsync<Eval>(FineTuneJson.Options))!;
        var started = await api.PostAsJsonAsync($"/api/evals/{eval.Id}/runs", new CreateEvalRunRequest("gpt-4.1-mini"), FineTuneJson.Options);
        var run = (await started.Content.ReadFromJsonAsync<EvalRun>(FineTuneJson.Options))!;
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync($"/evals/{eval.Id}/runs/{run.Id}");
        await Assertions.Expect(page.Locator("[data-testid=run-status][data-status=completed]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        var name = page.Locator("input[data-testid=run-record-name]");
        await Assertions.Expect(name).ToHaveValueAsync(new Regex(@"^gpt-4\.1-mini-recording-\d{4}-\d{2}-\d{2}\.jsonl$"));

        // A name of its own, so the datasets list of the shared workspace tells it from every other test's.
        var recordingName = $"recorded-{Guid.NewGuid():N}"[..17] + ".jsonl";
        await name.FillAsync(recordingName);
        await page.GetByTestId("run-record-submit").ClickAsync();
        var link = page.GetByTestId("run-record-link");
        await Assertions.Expect(link).ToHaveTextAsync(recordingName);
        await Assertions.Expect(page.GetByTestId("run-record-result")).ToContainTextAsync("examples, valid)");

        await link.ClickAsync();
        await page.WaitForURLAsync(new Regex("/datasets/ds_[0-9a-f]+$"));
        await Assertions.Expect(page.GetByTestId("dataset-provenance")).ToContainTextAsync("Recorded from gpt-4.1-mini on the server's connection");
        await Assertions.Expect(page.GetByTestId("dataset-provenance-run")).ToHaveTextAsync(run.Id);

        // A viewer of the workspace sees the run, and a note instead of the button that would make another dataset.
        var viewer = await SignInAsViewerAsync(api, eval.WorkspaceId);
        await viewer.GoToInteractivePageAsync($"/evals/{eval.Id}/runs/{run.Id}");
        await Assertions.Expect(viewer.Locator("[data-testid=run-record] [data-testid=role-note]")).ToContainTextAsync("needs the member role");
        await Assertions.Expect(viewer.GetByTestId("run-record-submit")).ToHaveCountAsync(0);
    }

    // Someone new, invited into the workspace as a viewer, signed in with their password in a browser of their own.
    private async Task<IPage> SignInAsViewerAsync(HttpClient owner, string workspaceId)
    {
        var email = $"viewer-{Guid.NewGuid():N}@example.com";
        const string Password = "correct horse battery staple";
        using var anonymous = fixture.App.CreateHttpClient("api");
        (await anonymous.PostAsJsonAsync("/api/account/register", new { email, name = "Viewer", password = Password })).EnsureSuccessStatusCode();
        var session = await (await anonymous.PostAsJsonAsync("/api/account/sessions", new { email, password = Password })).Content.ReadFromJsonAsync<JsonElement>();
        var invited = await owner.PostAsJsonAsync($"/api/workspaces/{workspaceId}/invitations", new { role = WorkspaceRole.Viewer }, FineTuneJson.Options);
        var invitation = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        using var accept = new HttpRequestMessage(HttpMethod.Post, $"/api/invitations/{invitation}/accept");
        accept.Headers.Authorization = new("Bearer", session.GetProperty("token").GetString());
        (await anonymous.SendAsync(accept)).EnsureSuccessStatusCode();

        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(Password);
        await page.GetByTestId("login-password-submit").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        return page;
    }

    // 0 until the page shows the run's progress (a busy machine may take a while to read the run).
    private static async Task<int> GradedAsync(IPage page)
    {
        var progress = page.GetByTestId("run-progress");
        if (await progress.CountAsync() == 0) return 0;
        return int.TryParse(await progress.GetAttributeAsync("data-graded", new() { Timeout = 1_000 }), out var graded) ? graded : 0;
    }

    [GeneratedRegex("/evals/eval_[0-9a-f]+$")]
    private static partial Regex EvalPageUrl();

    [GeneratedRegex("/evals/eval_[0-9a-f]+/runs/evalrun_[0-9a-f]+$")]
    private static partial Regex RunPageUrl();

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
