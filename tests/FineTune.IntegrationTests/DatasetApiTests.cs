using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FineTune.IntegrationTests;

public sealed class DatasetApiOnGarnetTests(FineTuneStack<GarnetRedisServer> stack, ITestOutputHelper output)
    : DatasetApiTests<GarnetRedisServer>(stack), IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    // One flavour is enough to show that memory does not follow the file size: Redis holds no file bytes.
    // The Api runs in its own process here, with the collector's allocation budget (gen0) fixed small, so
    // that its resident memory follows what it holds rather than how lazily the GC collects.
    [Fact]
    public async Task A_100_MB_upload_streams_through_the_api_without_its_memory_growing_with_the_file()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("finetune-it-memory-").FullName;
        var file = Path.Combine(dataDirectory, "big.jsonl");
        try
        {
            await using var service = await ServiceProcess.StartAsync("FineTune.Api", new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = Stack.Redis.ConnectionString,
                ["FineTune__Provider__Endpoint"] = Stack.ProviderEndpoint,
                ["FineTune__Bootstrap__AdminToken"] = FineTuneStack<GarnetRedisServer>.AdminToken,
                // The stack's: its key ring in Redis is encrypted with the certificate kept there.
                ["FineTune__DataDirectory"] = Stack.DataDirectory,
                ["DOTNET_gcServer"] = "0",
                ["DOTNET_GCgen0size"] = "0x1000000",
            });
            using var api = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FineTuneStack<GarnetRedisServer>.AdminToken);

            var small = Path.Combine(dataDirectory, "small.jsonl");
            WriteChatDataset(small, 10L * 1024 * 1024);
            var lines = WriteChatDataset(file, 100L * 1024 * 1024);
            var size = new FileInfo(file).Length;
            var smallSize = new FileInfo(small).Length;

            // Warm up: the tokenizer's tables and the JIT are paid for once, on a small file.
            await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
            var process = Process.GetProcessById(service.ProcessId);
            var before = ResidentBytes(process);

            // The growth for a 10 MB file, then for a 100 MB one: streaming costs the same for both.
            var (smallPeak, _) = await UploadWhileSamplingAsync(api, process, small);
            var (peak, elapsed) = await UploadWhileSamplingAsync(api, process, file);
            var smallGrowth = smallPeak - before;
            var growth = Math.Max(peak, smallPeak) - before;
            output.WriteLine($"Api resident {before / 1e6:0} MB after warm-up; peak +{smallGrowth / 1e6:0} MB for {smallSize / 1e6:0.0} MB, "
                + $"+{growth / 1e6:0} MB for {size / 1e6:0.0} MB (uploaded and checked in {elapsed.TotalSeconds:0.0} s)");

            // Holding the file would add at least the 90 MB difference (twice over as text); allow half of it as noise, which
            // is wide enough for the 10 to 30 MB the collector's timing alone moves the smaller peak by.
            Assert.True(growth - smallGrowth < (size - smallSize) / 2,
                $"The Api's resident memory grew by {smallGrowth / 1e6:0} MB for {smallSize / 1e6:0} MB and by {growth / 1e6:0} MB for {size / 1e6:0} MB.\n{service.Output}");
            Assert.True(growth < size, $"The Api's resident memory grew by {growth / 1e6:0} MB for a {size / 1e6:0} MB upload.");

            var stored = (await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!.First(d => d.Name == "big.jsonl");
            Assert.Equal((size, lines), (stored.Bytes, stored.Report.ExampleCount));

            // A page far into the file is read by seeking through the line index.
            var page = (await api.GetFromJsonAsync<DatasetExamplePage>($"/api/datasets/{stored.Id}/examples?offset={lines - 3}&limit=10", FineTuneJson.Options))!;
            Assert.Equal([lines - 2, lines - 1, lines], page.Examples.Select(e => e.Line));
            Assert.Equal(lines, page.Total);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<(long Peak, TimeSpan Elapsed)> UploadWhileSamplingAsync(HttpClient api, Process process, string path)
    {
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(process));
                await Task.Delay(20);
            }
        });

        var watch = Stopwatch.StartNew();
        await using (var content = File.OpenRead(path))
        {
            var upload = new StreamContent(content);
            upload.Headers.ContentLength = content.Length;
            var response = await api.PostAsync($"/api/datasets?name={Path.GetFileName(path)}", upload);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        var elapsed = watch.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        return (peak, elapsed);
    }

    private static int WriteChatDataset(string path, long bytes)
    {
        var words = ("the of and a to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were "
            + "we when your can said there use an each which she do how their if will up other about out many then them these so some her would "
            + "make like him into time has look two more write go see number no way could people my than first water been call who oil its now "
            + "find long down day did get come made may part").Split(' ');
        var random = new Random(5);
        var lines = 0;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        var text = new StringBuilder();
        while (writer.BaseStream.Length < bytes)
        {
            text.Clear();
            for (var i = random.Next(20, 160); i > 0; i--) text.Append(words[random.Next(words.Length)]).Append(' ');
            var example = new
            {
                messages = new object[]
                {
                    new { role = "system", content = "You answer questions about geography, briefly." },
                    new { role = "user", content = $"Question {lines}: {text}" },
                    new { role = "assistant", content = $"Answer {lines}: {text} é ü 日本 🙂" },
                },
            };
            writer.Write(JsonSerializer.Serialize(example));
            writer.Write('\n');
            lines++;
            if (lines % 1000 == 0) writer.Flush();
        }
        return lines;
    }

    private static long ResidentBytes(Process process)
    {
        process.Refresh();
        return process.WorkingSet64;
    }
}

public sealed class DatasetApiOnRedisServerTests(FineTuneStack<DebianRedisServer> stack)
    : DatasetApiTests<DebianRedisServer>(stack), IClassFixture<FineTuneStack<DebianRedisServer>>;

// The dataset routes beyond upload: model choice, download, paged examples, edits as new versions, splits.
public abstract class DatasetApiTests<TRedis>(FineTuneStack<TRedis> stack) where TRedis : IRedisServer, new()
{
    protected FineTuneStack<TRedis> Stack => stack;

    [Fact]
    public async Task The_dataset_list_pages_newest_first_with_limit_and_after()
    {
        using var api = stack.CreateApiClient();
        await ApiCalls.UseNewWorkspaceAsync(api, "Dataset list");
        var uploaded = new List<string>();
        for (var i = 0; i < 3; i++) uploaded.Add((await ApiCalls.UploadSampleAsync(api)).Id);

        var paged = new List<string>();
        for (var page = await DatasetIdsAsync(api, "/api/datasets?limit=2"); page.Count > 0; page = await DatasetIdsAsync(api, $"/api/datasets?limit=2&after={paged[^1]}"))
        {
            Assert.True(page.Count <= 2);
            paged.AddRange(page);
        }
        Assert.Equal(await DatasetIdsAsync(api, "/api/datasets"), paged);
        Assert.Equal(uploaded.Order(), paged.Order());
    }

    [Fact]
    public async Task The_dataset_list_gives_each_report_without_its_problem_lists_but_with_their_counts()
    {
        using var api = stack.CreateApiClient();
        await ApiCalls.UseNewWorkspaceAsync(api, "Dataset summaries");
        var uploaded = await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");
        var full = (await api.GetFromJsonAsync<DatasetRecord>($"/api/datasets/{uploaded.Id}", FineTuneJson.Options))!;
        Assert.NotEmpty(full.Report.Errors);

        var listed = Assert.Single((await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!);

        Assert.Empty(listed.Report.Errors);
        Assert.Empty(listed.Report.Warnings);
        Assert.Empty(listed.Report.Tokens!.Histogram);
        Assert.Equal(full.Report.Stats.ErrorCounts, listed.Report.Stats.ErrorCounts);
        Assert.Equal((full.Report.ExampleCount, full.Report.Tokens!.Total), (listed.Report.ExampleCount, listed.Report.Tokens.Total));
    }

    private static async Task<List<string>> DatasetIdsAsync(HttpClient api, string path) =>
        (await api.GetFromJsonAsync<List<DatasetRecord>>(path, FineTuneJson.Options))!.Select(dataset => dataset.Id).ToList();

    [Theory]
    [InlineData("gpt-4.1-nano", 32_768)]
    [InlineData("gpt-4o", 65_536)]
    public async Task Validate_checks_against_the_chosen_model(string model, int contextLimit)
    {
        using var api = stack.CreateApiClient();
        using var content = new StreamContent(File.OpenRead(Repository.Sample("capitals-train.jsonl")));

        var response = await api.PostAsync($"/api/datasets/validate?model={model}", content);

        response.EnsureSuccessStatusCode();
        var report = (await response.Content.ReadFromJsonAsync<DatasetReport>(FineTuneJson.Options))!;
        Assert.True(report.Valid);
        Assert.Equal(contextLimit, report.Tokens!.ContextLimit);
        Assert.Equal(model, report.Estimate!.Model);
    }

    [Theory]
    [InlineData("/api/datasets/validate?model=gpt-9")]
    [InlineData("/api/datasets?name=x.jsonl&model=gpt-9")]
    public async Task An_unknown_model_is_refused_naming_the_known_ones(string path)
    {
        var problem = await BadRequestProblemAsync(path);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("gpt-9", detail);
        Assert.Contains("gpt-4.1-nano", detail);
        Assert.Contains("gpt-4o-mini", detail);
    }

    [Fact]
    public async Task Validate_and_upload_check_every_line_for_the_method_given_and_the_stored_report_keeps_it()
    {
        using var api = stack.CreateApiClient();

        var supervised = await ValidateAsync(api, "/api/datasets/validate?method=supervised", ApiCalls.AnswersMissingBesideIds);
        var assumed = await ValidateAsync(api, "/api/datasets/validate", ApiCalls.AnswersMissingBesideIds);
        var stored = await ApiCalls.UploadAsync(api, "ids.jsonl", ApiCalls.AnswersMissingBesideIds, TrainingMethods.Supervised);
        var read = (await api.GetFromJsonAsync<DatasetRecord>($"/api/datasets/{stored.Id}", FineTuneJson.Options))!;
        var asReinforcement = await ValidateAsync(api, $"/api/datasets/{stored.Id}/validate?method=reinforcement", null);

        Assert.Equal((false, TrainingMethods.Supervised, null), (supervised.Valid, supervised.Method, supervised.MethodAssumption));
        Assert.Equal(
            Enumerable.Range(4, 9).Select(line => (line, DatasetCodes.ExampleMissingAssistantMessage, "$.messages")),
            supervised.Errors.Select(e => (e.Line, e.Code, e.Path!)));
        Assert.Equal((true, TrainingMethods.Reinforcement), (assumed.Valid, assumed.Method));
        Assert.StartsWith("assumed reinforcement: 9 of 12 lines", assumed.MethodAssumption);
        Assert.Equal((DatasetRecord.StatusInvalid, TrainingMethods.Supervised), (read.Status, read.Report.Method));
        Assert.Equal(supervised.Errors, read.Report.Errors);
        Assert.Equal((true, TrainingMethods.Reinforcement, null), (asReinforcement.Valid, asReinforcement.Method, asReinforcement.MethodAssumption));
    }

    [Theory]
    [InlineData("/api/datasets/validate?method=sft")]
    [InlineData("/api/datasets?name=x.jsonl&method=sft")]
    public async Task An_unknown_method_is_refused_naming_the_allowed_ones(string path)
    {
        var problem = await BadRequestProblemAsync(path);

        Assert.Equal("Unknown method", problem.GetProperty("title").GetString());
        Assert.Equal("\"sft\" is not a fine-tuning method; use supervised, dpo or reinforcement.", problem.GetProperty("detail").GetString());
    }

    // The capitals sample posted to the path, answered with a 400 problem.
    private async Task<JsonElement> BadRequestProblemAsync(string path)
    {
        using var api = stack.CreateApiClient();
        using var content = new StreamContent(File.OpenRead(Repository.Sample("capitals-train.jsonl")));
        var response = await api.PostAsync(path, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_stored_dataset_is_checked_for_its_model_and_can_be_checked_again_for_another()
    {
        using var api = stack.CreateApiClient();
        using var content = new StreamContent(File.OpenRead(Repository.Sample("capitals-train.jsonl")));
        var created = await api.PostAsync("/api/datasets?name=nano.jsonl&model=gpt-4.1-nano", content);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dataset = (await created.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        Assert.Equal(32_768, dataset.Report.Tokens!.ContextLimit);
        Assert.Equal(1, dataset.Version);
        Assert.Null(dataset.ParentId);

        var again = await api.PostAsync($"/api/datasets/{dataset.Id}/validate?model=gpt-4.1", null);
        again.EnsureSuccessStatusCode();
        var report = (await again.Content.ReadFromJsonAsync<DatasetReport>(FineTuneJson.Options))!;
        Assert.Equal(65_536, report.Tokens!.ContextLimit);
        Assert.Equal("gpt-4.1", report.Estimate!.Model);

        var models = (await api.GetFromJsonAsync<List<DatasetModel>>("/api/datasets/models", FineTuneJson.Options))!;
        Assert.Contains(models, m => m is { Name: "gpt-4.1-nano", ContextTokens: 32_768 });
    }

    [Fact]
    public async Task The_content_downloads_exactly_as_uploaded()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");

        var response = await api.GetAsync($"/api/datasets/{dataset.Id}/content");

        response.EnsureSuccessStatusCode();
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("capitals-with-errors.jsonl", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(await File.ReadAllBytesAsync(Repository.Sample("capitals-with-errors.jsonl")), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/datasets/ds_missing/content")).StatusCode);
    }

    [Fact]
    public async Task Examples_come_in_pages_with_their_line_numbers()
    {
        using var api = stack.CreateApiClient();
        var lines = await File.ReadAllLinesAsync(Repository.Sample("capitals-with-errors.jsonl"));
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");

        var first = (await api.GetFromJsonAsync<DatasetExamplePage>($"/api/datasets/{dataset.Id}/examples?offset=0&limit=3", FineTuneJson.Options))!;
        Assert.Equal(lines.Length, first.Total);
        Assert.Equal([1, 2, 3], first.Examples.Select(e => e.Line));
        Assert.Equal(lines[..3], first.Examples.Select(e => e.Text));
        Assert.True(first.HasMore);

        var rest = (await api.GetFromJsonAsync<DatasetExamplePage>($"/api/datasets/{dataset.Id}/examples?offset=3&limit=100", FineTuneJson.Options))!;
        Assert.Equal(Enumerable.Range(4, lines.Length - 3), rest.Examples.Select(e => e.Line));
        Assert.Equal(lines[3..], rest.Examples.Select(e => e.Text));
        Assert.False(rest.HasMore);

        var beyond = (await api.GetFromJsonAsync<DatasetExamplePage>($"/api/datasets/{dataset.Id}/examples?offset=1000", FineTuneJson.Options))!;
        Assert.Empty(beyond.Examples);

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/datasets/{dataset.Id}/examples?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/datasets/{dataset.Id}/examples?offset=-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/datasets/ds_missing/examples")).StatusCode);
    }

    [Fact]
    public async Task Pages_of_a_larger_file_with_crlf_and_without_a_final_line_end_are_exact()
    {
        using var api = stack.CreateApiClient();
        var lines = Enumerable.Range(1, 3000)
            .Select(i => $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"q{i}\"}}, {{\"role\": \"assistant\", \"content\": \"a{i} ü\"}}]}}")
            .ToList();
        var body = Encoding.UTF8.GetBytes(string.Join("\r\n", lines));
        var created = await api.PostAsync("/api/datasets?name=crlf.jsonl", new ByteArrayContent(body));
        var dataset = (await created.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;

        var page = (await api.GetFromJsonAsync<DatasetExamplePage>($"/api/datasets/{dataset.Id}/examples?offset=2995&limit=10", FineTuneJson.Options))!;

        Assert.Equal(3000, page.Total);
        Assert.Equal(Enumerable.Range(2996, 5), page.Examples.Select(e => e.Line));
        Assert.Equal(lines[2995..], page.Examples.Select(e => e.Text));
    }

    [Fact]
    public async Task Editing_an_example_stores_a_new_checked_version_and_keeps_the_original()
    {
        using var api = stack.CreateApiClient();
        var original = await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");
        Assert.Contains(original.Report.Errors, e => e is { Line: 2, Code: "invalid_json" });
        var originalBytes = await api.GetByteArrayAsync($"/api/datasets/{original.Id}/content");

        // Sent indented, as the browser's editor shows it: stored as one line.
        const string fixedExample = """
            {
              "messages": [
                { "role": "user", "content": "Capital of Japan?" },
                { "role": "assistant", "content": "Tokyo." }
              ]
            }
            """;
        var response = await api.PutAsync($"/api/datasets/{original.Id}/examples/2", new StringContent(fixedExample, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var edited = (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        Assert.NotEqual(original.Id, edited.Id);
        Assert.Equal(original.Id, edited.ParentId);
        Assert.Equal(original.Id, edited.RootId);
        Assert.Equal(2, edited.Version);
        Assert.Equal(original.Name, edited.Name);
        Assert.DoesNotContain(edited.Report.Errors, e => e.Line == 2);
        Assert.Contains(edited.Report.Errors, e => e.Line == 3);
        Assert.Equal(response.Headers.Location?.ToString(), $"/api/datasets/{edited.Id}");

        var originalLines = Encoding.UTF8.GetString(originalBytes).Split('\n');
        var editedLines = Encoding.UTF8.GetString(await api.GetByteArrayAsync($"/api/datasets/{edited.Id}/content")).Split('\n');
        Assert.Equal(originalLines.Length, editedLines.Length);
        Assert.Equal("""{"messages":[{"role":"user","content":"Capital of Japan?"},{"role":"assistant","content":"Tokyo."}]}""", editedLines[1]);
        Assert.Equal(originalLines.Where((_, i) => i != 1), editedLines.Where((_, i) => i != 1));

        // The original is untouched, and a further edit is version 3 of the same lineage.
        Assert.Equal(originalBytes, await api.GetByteArrayAsync($"/api/datasets/{original.Id}/content"));
        var third = await api.PutAsync($"/api/datasets/{edited.Id}/examples/3",
            new StringContent("""{"messages": [{"role": "user", "content": "Capital of Italy?"}, {"role": "assistant", "content": "Rome."}]}""", Encoding.UTF8, "application/json"));
        var version3 = (await third.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        Assert.Equal((edited.Id, original.Id, 3), (version3.ParentId, version3.RootId, version3.Version));
        Assert.DoesNotContain(version3.Report.Errors, e => e.Line is 2 or 3);
    }

    [Theory]
    [InlineData(2, "{\"messages\": [", HttpStatusCode.BadRequest)]
    [InlineData(0, "{}", HttpStatusCode.BadRequest)]
    [InlineData(99, "{}", HttpStatusCode.BadRequest)]
    public async Task A_bad_edit_is_refused(int line, string body, HttpStatusCode expected)
    {
        using var api = stack.CreateApiClient();
        var original = await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");

        var response = await api.PutAsync($"/api/datasets/{original.Id}/examples/{line}", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_split_is_complete_ordered_and_the_same_for_the_same_seed()
    {
        using var api = stack.CreateApiClient();
        var source = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        var sourceLines = (await File.ReadAllLinesAsync(Repository.Sample("capitals-train.jsonl"))).Where(l => l.Trim().Length > 0).ToList();

        var split = await SplitAsync(api, source.Id, 0.25, 7);

        Assert.Equal(source.Id, split.Training.ParentId);
        Assert.Equal(source.Id, split.Validation.ParentId);
        Assert.Equal("capitals-train-training.jsonl", split.Training.Name);
        Assert.Equal("capitals-train-validation.jsonl", split.Validation.Name);
        Assert.Equal(sourceLines.Count / 4, split.Validation.Report.ExampleCount);
        Assert.Equal(sourceLines.Count - sourceLines.Count / 4, split.Training.Report.ExampleCount);

        var training = await LinesAsync(api, split.Training.Id);
        var validation = await LinesAsync(api, split.Validation.Id);
        Assert.Equal(sourceLines.Order(), training.Concat(validation).Order());
        Assert.Equal(sourceLines.Where(training.Contains), training);
        Assert.Equal(sourceLines.Where(validation.Contains), validation);

        var again = await SplitAsync(api, source.Id, 0.25, 7);
        Assert.NotEqual(split.Training.Id, again.Training.Id);
        Assert.Equal((split.Training.Sha256, split.Validation.Sha256), (again.Training.Sha256, again.Validation.Sha256));

        var other = await SplitAsync(api, source.Id, 0.25, 8);
        Assert.NotEqual(split.Validation.Sha256, other.Validation.Sha256);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    public async Task A_split_needs_a_ratio_between_0_and_1(double ratio)
    {
        using var api = stack.CreateApiClient();
        var source = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");

        var response = await api.PostAsJsonAsync($"/api/datasets/{source.Id}/split", new SplitDatasetRequest(ratio, 1), FineTuneJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Records_stored_before_versions_existed_still_read()
    {
        const string json = """{"id":"ds_old","name":"old.jsonl","status":"valid","sha256":"00","bytes":1,"createdBy":"u","createdAt":"2026-01-01T00:00:00Z","report":{"valid":true,"format":"chat","exampleCount":0,"errors":[],"warnings":[],"stats":{"bytes":1,"messageCount":0,"messagesPerRole":{}}}}""";

        var record = FineTuneJson.Deserialize<DatasetRecord>(json);

        Assert.Equal((1, null, null), (record.Version, record.ParentId, record.RootId));
        Assert.Null(record.Report.Method);
        await Task.CompletedTask;
    }

    private static async Task<DatasetReport> ValidateAsync(HttpClient api, string path, string? jsonl)
    {
        using var content = jsonl is null ? null : new StringContent(jsonl);
        var response = await api.PostAsync(path, content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DatasetReport>(FineTuneJson.Options))!;
    }

    private static async Task<DatasetSplit> SplitAsync(HttpClient api, string id, double ratio, int seed)
    {
        var response = await api.PostAsJsonAsync($"/api/datasets/{id}/split", new SplitDatasetRequest(ratio, seed), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DatasetSplit>(FineTuneJson.Options))!;
    }

    private static async Task<List<string>> LinesAsync(HttpClient api, string id) =>
        (await api.GetStringAsync($"/api/datasets/{id}/content")).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
}
