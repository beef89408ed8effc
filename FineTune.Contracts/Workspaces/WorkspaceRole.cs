using System.Text.Json.Serialization;

namespace FineTune.Contracts;

// Ordered: each role can do everything the ones below it can.
[JsonConverter(typeof(JsonStringEnumConverter<WorkspaceRole>))]
public enum WorkspaceRole
{
    // Reads everything in the workspace, changes nothing.
    [JsonStringEnumMemberName("viewer")] Viewer = 1,

    // Datasets, jobs and the playground.
    [JsonStringEnumMemberName("member")] Member = 2,

    // Everything, including members, invitations, provider connections, budgets and approvals.
    [JsonStringEnumMemberName("owner")] Owner = 3,
}
