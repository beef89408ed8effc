using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace FineTune.Web.Account;

public sealed class OidcOptions
{
    public const string Section = "FineTune:Oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    // The sign-in button's text: "Sign in with <DisplayName>".
    public string DisplayName { get; set; } = "single sign-on";

    // Only for a provider on a local http address (development and tests).
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

// Sign-in through an OpenID Connect provider, on when FineTune:Oidc has an Authority and a ClientId (the
// Api needs the same two). The Web runs the browser flow (authorization code with PKCE); the Api checks
// the ID token and makes the session, so the cookie holds a session token as after a password sign-in.
public static class SingleSignOn
{
    public const string Scheme = OpenIdConnectDefaults.AuthenticationScheme;

    public static void AddSingleSignOn(this AuthenticationBuilder authentication, IConfiguration configuration)
    {
        var options = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new();
        authentication.Services.Configure<OidcOptions>(configuration.GetSection(OidcOptions.Section));
        if (!options.Enabled) return;

        authentication.AddOpenIdConnect(Scheme, oidc =>
        {
            oidc.Authority = options.Authority;
            oidc.ClientId = options.ClientId;
            oidc.ClientSecret = options.ClientSecret;
            oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;
            oidc.ResponseType = OpenIdConnectResponseType.Code;
            oidc.ResponseMode = OpenIdConnectResponseMode.Query;
            oidc.UsePkce = true;
            oidc.Scope.Add("email");
            oidc.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            oidc.MapInboundClaims = false;
            // The flow's short-lived cookies follow the request's scheme like the sign-in cookie does.
            oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
            oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.NonceCookie.SameSite = SameSiteMode.Lax;
            oidc.Events.OnTokenValidated = async context =>
            {
                var idToken = context.TokenEndpointResponse?.IdToken ?? context.ProtocolMessage.IdToken;
                var signIn = context.HttpContext.RequestServices.GetRequiredService<CookieSignIn>();
                var (principal, refusal) = await signIn.SignInWithOidcAsync(idToken, context.HttpContext.RequestAborted);
                if (principal is null) context.Fail(refusal ?? "The Api refused the sign-in.");
                else context.Principal = principal;
            };
            oidc.Events.OnRemoteFailure = context =>
            {
                context.Response.Redirect("/login?error=" + Uri.EscapeDataString("Single sign-on failed: " + context.Failure?.Message));
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
    }

    // GET /login/oidc?returnUrl=...: off to the provider, back to returnUrl signed in.
    public static IEndpointRouteBuilder MapSingleSignOn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login/oidc", (string? returnUrl, Microsoft.Extensions.Options.IOptions<OidcOptions> options) =>
                options.Value.Enabled
                    ? Results.Challenge(new AuthenticationProperties { RedirectUri = CookieSignIn.SafeReturnUrl(returnUrl) }, [Scheme])
                    : Results.NotFound())
            .ExcludeFromDescription();
        return app;
    }
}
