namespace FineTune.Web.Api;

// GET /api/me
public sealed record ApiUser(string Id, string Name);
