using System.Net;
using System.Net.Http.Json;

namespace FineTune.IntegrationTests.Infrastructure;

// Api calls many tests make on the way to what they test.
public static class ApiCalls
{
    public static async Task<DatasetRecord> UploadSampleAsync(HttpClient api, string sample = "capitals-train.jsonl")
    {
        using var content = new StreamContent(File.OpenRead(Repository.Sample(sample)));
        var response = await api.PostAsync($"/api/datasets?name={sample}", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
    }

    // Polls the job until it is terminal; fails with the services' logs after the deadline.
    public static async Task<FineTuneJob> WaitUntilTerminalAsync(HttpClient api, string jobId, TimeSpan deadline, Func<string> logs)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var job = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{jobId}", FineTuneJson.Options))!;
            if (JobStatus.IsTerminal(job.Status)) return job;
            if (DateTime.UtcNow > until) Assert.Fail($"Job {jobId} is still {job.Status} after {deadline}.\n{logs()}");
            await Task.Delay(250);
        }
    }
}
