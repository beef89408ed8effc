using System.ClientModel;
using System.Text;
using OpenAI.Files;

namespace FineTune.LocalProvider.Tests;

public sealed class FilesTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>
{
    [Fact]
    public async Task A_file_can_be_uploaded_listed_retrieved_downloaded_and_deleted()
    {
        var files = server.OpenAI.GetOpenAIFileClient();
        var jsonl = SampleData.GeographyJsonl();
        using var upload = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));

        OpenAIFile uploaded = await files.UploadFileAsync(upload, "geography.jsonl", FileUploadPurpose.FineTune);
        Assert.StartsWith("file-", uploaded.Id);
        Assert.Equal("geography.jsonl", uploaded.Filename);
        Assert.Equal(Encoding.UTF8.GetByteCount(jsonl), uploaded.SizeInBytesLong);

        OpenAIFileCollection listed = await files.GetFilesAsync(FilePurpose.FineTune);
        Assert.Contains(listed, file => file.Id == uploaded.Id);

        OpenAIFile retrieved = await files.GetFileAsync(uploaded.Id);
        Assert.Equal(uploaded.Id, retrieved.Id);
        Assert.Equal(FilePurpose.FineTune, retrieved.Purpose);

        BinaryData content = await files.DownloadFileAsync(uploaded.Id);
        Assert.Equal(jsonl, content.ToString());

        FileDeletionResult deleted = await files.DeleteFileAsync(uploaded.Id);
        Assert.True(deleted.Deleted);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => files.GetFileAsync(uploaded.Id));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Files_list_pages_with_after_and_order()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await server.UploadAsync(SampleData.GeographyJsonl(), $"page-{i}.jsonl"));

        var first = await server.GetJsonAsync("v1/files?purpose=fine-tune&order=asc&limit=1");
        Assert.Equal("list", first.GetProperty("object").GetString());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var firstId = first.GetProperty("data")[0].GetProperty("id").GetString();

        var rest = await server.GetJsonAsync($"v1/files?purpose=fine-tune&order=asc&after={firstId}");
        var restIds = rest.GetProperty("data").EnumerateArray().Select(file => file.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(firstId, restIds);
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        Assert.Subset(new HashSet<string?>([firstId, .. restIds]), new HashSet<string?>(ids));
    }

    [Fact]
    public async Task A_request_without_a_bearer_key_is_refused_with_an_OpenAI_error()
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await anonymous.GetAsync("v1/files");

        Assert.Equal(401, (int)response.StatusCode);
        var error = (await LocalProviderServer.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("API key", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Unknown_ids_and_routes_are_404_with_an_OpenAI_error()
    {
        using var file = await server.Http.GetAsync("v1/files/file-doesnotexist");
        Assert.Equal(404, (int)file.StatusCode);
        Assert.Equal("file_not_found", (await LocalProviderServer.ReadJsonAsync(file)).GetProperty("error").GetProperty("code").GetString());

        using var route = await server.Http.GetAsync("v1/nothing/here");
        Assert.Equal(404, (int)route.StatusCode);
        Assert.True((await LocalProviderServer.ReadJsonAsync(route)).TryGetProperty("error", out _));
    }
}
