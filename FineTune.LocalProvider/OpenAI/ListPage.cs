namespace FineTune.LocalProvider.OpenAI;

// OpenAI's list envelope. first_id/last_id are what cursor pagination continues from.
public sealed record ListPage<T>(IReadOnlyList<T> Data, string? FirstId, string? LastId, bool HasMore)
{
    public string Object => "list";
}

public static class ListPage
{
    // items are already in the order the caller wants; after is the id of the last item seen.
    public static ListPage<T> Create<T>(IReadOnlyList<T> items, Func<T, string> id, string? after, int limit)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(after))
        {
            var index = items.Select(id).ToList().IndexOf(after);
            start = index < 0 ? items.Count : index + 1;
        }
        var page = items.Skip(start).Take(limit).ToList();
        return new ListPage<T>(page, page.Count > 0 ? id(page[0]) : null, page.Count > 0 ? id(page[^1]) : null, start + page.Count < items.Count);
    }
}
