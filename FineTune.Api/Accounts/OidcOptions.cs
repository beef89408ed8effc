using System.ComponentModel.DataAnnotations;

namespace FineTune.Api.Accounts;

// FineTune:Oidc: single sign-on through an OpenID Connect provider, on when Authority and ClientId are set.
public sealed class OidcOptions : IValidatableObject
{
    public const string Section = "FineTune:Oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }

    // Only for a provider on a local http address (development and tests).
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);

    // Checked on start; an empty Authority leaves single sign-on off.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Authority)
            && !(Uri.TryCreate(Authority, UriKind.Absolute, out var authority) && (authority.Scheme == Uri.UriSchemeHttps || authority.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new($"{Section}:Authority must be the provider's absolute http(s) URL (its issuer).", [nameof(Authority)]);
        }
    }
}
