namespace FineTune.Checker.Tests;

public sealed class ModelCatalogTests
{
    [Theory]
    [InlineData("gpt-4o-mini", "gpt-4o-mini")]
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("ft:gpt-4o-mini-2024-07-18:acme::abc123", "gpt-4o-mini")]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini")]
    public void A_model_is_found_by_its_name_a_dated_snapshot_or_a_fine_tuned_name(string model, string entry) =>
        Assert.Equal(entry, ModelCatalog.Default.Find(model)?.Name);

    [Fact]
    public void Answering_costs_the_base_prices_for_a_base_model_and_the_fine_tuned_prices_for_a_model_tuned_from_it()
    {
        Assert.Equal(new TokenPrice(0.4m, 1.6m), ModelCatalog.Default.AnsweringPriceOf("gpt-4.1-mini-2025-04-14"));
        Assert.Equal(new TokenPrice(0.8m, 3.2m), ModelCatalog.Default.AnsweringPriceOf("ft:gpt-4.1-mini-2025-04-14:acme:support:abc"));
        Assert.Null(ModelCatalog.Default.AnsweringPriceOf("llama-3-8b"));
        Assert.Equal(2.4m, new TokenPrice(0.8m, 3.2m).CostOf(1_000_000, 500_000));
    }
}
