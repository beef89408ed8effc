using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// A stored dataset exported in another format (its report first, as the dataset page shows it, then the file), and an
// upload in another format converted and checked like any: through the Api as a real process, by a team's roles.
public sealed class DatasetFormatTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private Uri Api => stack.Api.BaseAddress;

    private const string ThreeTurns = """{"messages":[{"role":"user","content":"1"},{"role":"assistant","content":"a"},{"role":"user","content":"2"},"""
        + """{"role":"assistant","content":"b"},{"role":"user","content":"3"},{"role":"assistant","content":"c"}]}""";

    [Fact]
    public async Task A_viewer_exports_a_version_as_alpaca_after_reading_what_it_leaves_out_and_the_export_is_audited()
    {
        var (owner, member, viewer, outsider) = await TestAccounts.TeamAsync(Api);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        using var viewerClient = viewer.Client(Api, owner.WorkspaceId);
        var sample = await File.ReadAllLinesAsync(Repository.Sample("capitals-train.jsonl"));
        var jsonl = string.Join("\n", sample[..4].Append(ThreeTurns).Concat(sample[4..])) + "\n";
        var dataset = await ApiCalls.UploadAsync(memberClient, "capitals.jsonl", jsonl);

        var report = (await viewerClient.GetFromJsonAsync<FormatConversionReport>(
            $"/api/datasets/{dataset.Id}/export/report?format=alpaca", FineTuneJson.Options))!;
        var response = await viewerClient.GetAsync($"/api/datasets/{dataset.Id}/export?format=alpaca");
        var asStored = await viewerClient.GetByteArrayAsync($"/api/datasets/{dataset.Id}/export?format=openai");
        var asStoredReport = (await viewerClient.GetFromJsonAsync<FormatConversionReport>(
            $"/api/datasets/{dataset.Id}/export/report?format=openai", FineTuneJson.Options))!;

        Assert.Equal(("openai", "alpaca", 25, 24, 1), (report.From, report.To, report.Examples, report.Written, report.Skipped));
        Assert.Equal(new SkippedLine(5, FormatSkipCodes.Turns, "Alpaca holds one user turn; this example has 3"), Assert.Single(report.SkippedLines));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("capitals.alpaca.jsonl", response.Content.Headers.ContentDisposition?.FileNameStar);
        var alpaca = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(24, alpaca.Length);
        Assert.Equal("""{"instruction":"What is the capital of France?","input":"","output":"The capital of France is Paris.","system":"You are Atlas, """
            + """a terse geography assistant. Answer in one sentence."}""", alpaca[0]);
        Assert.Equal(Encoding.UTF8.GetBytes(jsonl), asStored);
        Assert.Equal((25, 0), (asStoredReport.Written, asStoredReport.Skipped));

        var audit = (await viewerClient.GetFromJsonAsync<AuditPage>($"/api/audit?action={AuditAction.DatasetExported}", FineTuneJson.Options))!;
        Assert.Equal([(viewer.Id, dataset.Id, "version 1 as openai"), (viewer.Id, dataset.Id, "version 1 as alpaca")],
            audit.Entries.Select(e => (e.ActorId, e.TargetId, e.Details!)));

        // Back through the upload: the 24 examples Alpaca holds, as they were (compacted: the sample has spaces).
        using var upload = new StringContent(string.Join("\n", alpaca));
        var imported = await ReadCreatedAsync(await memberClient.PostAsync("/api/datasets?name=back.jsonl&format=alpaca", upload));
        var content = await memberClient.GetStringAsync($"/api/datasets/{imported.Id}/content");
        Assert.Equal(sample.Select(line => JsonSerializer.Serialize(JsonDocument.Parse(line).RootElement)), content.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(("alpaca", false, 0), (imported.Import!.From, imported.Import.FromDetected, imported.Import.Skipped));

        using var outsiderClient = outsider.Client(Api);
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderClient.GetAsync($"/api/datasets/{dataset.Id}/export?format=alpaca")).StatusCode);
        var unknown = await viewerClient.GetAsync($"/api/datasets/{dataset.Id}/export?format=csv");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("use one of openai, trl, sharegpt, alpaca", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_sharegpt_upload_is_detected_converted_and_checked_like_any_upload()
    {
        var (owner, member, _, _) = await TestAccounts.TeamAsync(Api);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        var lines = Enumerable.Range(1, 12).Select(i => i == 3
            ? """{"conversations":[{"from":"human","value":"Weather?"},{"from":"function_call","value":"{}"}]}"""
            : $$"""{"id":"c{{i}}","conversations":[{"from":"system","value":"Be brief."},{"from":"human","value":"Capital {{i}}? 東京 🚀"},{"from":"gpt","value":"City {{i}}."}]}""");

        using var body = new MultipartFormDataContent { { new StringContent(string.Join("\n", lines)), "file", "chats.jsonl" } };
        var dataset = await ReadCreatedAsync(await memberClient.PostAsync("/api/datasets?format=detect&method=supervised", body));
        using var few = new StringContent(string.Join("\n", lines.Take(2)));
        var tooFew = await ReadCreatedAsync(await memberClient.PostAsync("/api/datasets?name=few.jsonl&format=sharegpt", few));

        Assert.Equal(("sharegpt", true, 12, 11, 1), (dataset.Import!.From, dataset.Import.FromDetected, dataset.Import.Examples, dataset.Import.Written, dataset.Import.Skipped));
        Assert.Equal((3, FormatSkipCodes.Role), (dataset.Import.SkippedLines[0].Line, dataset.Import.SkippedLines[0].Code));
        Assert.Equal((DatasetRecord.StatusValid, "chat", 11), (dataset.Status, dataset.Report.Format, dataset.Report.ExampleCount));
        Assert.Equal(11, dataset.Report.Warnings.Count(w => w.Code == DatasetCodes.ExampleUnrecognizedKey));
        var first = (await memberClient.GetStringAsync($"/api/datasets/{dataset.Id}/content")).Split('\n')[0];
        Assert.Equal("""{"id":"c1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Capital 1? 東京 🚀"},"""
            + """{"role":"assistant","content":"City 1."}]}""", first);
        Assert.Equal(DatasetRecord.StatusInvalid, tooFew.Status);
        Assert.Contains(tooFew.Report.Errors, e => e.Code == DatasetCodes.TooFewExamples);

        var unknown = await memberClient.PostAsync("/api/datasets?name=x.jsonl&format=csv", new StringContent(lines.First()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task A_file_detected_as_openai_is_stored_exactly_as_sent_with_every_line_checked()
    {
        var (owner, member, _, _) = await TestAccounts.TeamAsync(Api);
        using var memberClient = member.Client(Api, owner.WorkspaceId);
        var sent = await File.ReadAllBytesAsync(Repository.Sample("capitals-with-errors.jsonl"));

        var dataset = await ReadCreatedAsync(await memberClient.PostAsync("/api/datasets?name=e.jsonl&format=detect", new ByteArrayContent(sent)));

        Assert.Null(dataset.Import);
        Assert.Equal(sent, await memberClient.GetByteArrayAsync($"/api/datasets/{dataset.Id}/content"));
        Assert.Contains(dataset.Report.Errors, e => (e.Line, e.Code) == (2, DatasetCodes.InvalidJson));
    }

    private static async Task<DatasetRecord> ReadCreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
    }
}
