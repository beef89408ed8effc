using System.Text.Json;

namespace FineTune.Checker.Tests;

// The checker and the contracts are plain .NET: the CLI and the LocalProvider ship them without Redis,
// ASP.NET or the OpenAI SDK. Read from what restore resolved, so a dependency that arrives through
// another package counts too.
public sealed class LayeringTests
{
    private static readonly string[] ServerPackages = ["StackExchange.Redis", "OpenAI", "Microsoft.AspNetCore", "Aspire"];

    // The SignalR client of `finetune jobs watch`: client packages that run on plain .NET (the framework check below holds).
    private static readonly string[] ClientPackages =
    [
        "Microsoft.AspNetCore.SignalR.Client", "Microsoft.AspNetCore.SignalR.Client.Core", "Microsoft.AspNetCore.SignalR.Common",
        "Microsoft.AspNetCore.SignalR.Protocols.Json", "Microsoft.AspNetCore.Http.Connections.Client", "Microsoft.AspNetCore.Http.Connections.Common",
        "Microsoft.AspNetCore.Connections.Abstractions",
    ];

    [Theory]
    [InlineData("FineTune.Checker")]
    [InlineData("FineTune.Contracts")]
    [InlineData("FineTune.Cli")]
    public void Project_depends_on_no_server_package_or_framework(string project)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), project, "obj", "project.assets.json")));

        var packages = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(library => library.Name.Split('/')[0]).ToList();
        var frameworks = assets.RootElement.GetProperty("project").GetProperty("frameworks").EnumerateObject()
            .SelectMany(framework => framework.Value.TryGetProperty("frameworkReferences", out var references)
                ? references.EnumerateObject().Select(reference => reference.Name)
                : [])
            .ToList();

        Assert.Contains("Microsoft.ML.Tokenizers", packages);
        var clients = project == "FineTune.Cli" ? ClientPackages : [];
        Assert.DoesNotContain(packages.Except(clients), package => ServerPackages.Any(server => package.StartsWith(server, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(["Microsoft.NETCore.App"], frameworks);
    }

    [Fact]
    public void The_checker_references_no_other_FineTune_project()
    {
        var references = typeof(DatasetValidator).Assembly.GetReferencedAssemblies().Select(name => name.Name!);

        Assert.DoesNotContain(references, name => name.StartsWith("FineTune", StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FineTuneAspire.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("The tests must run inside the FineTune repository.");
    }
}
