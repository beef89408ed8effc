using System.Net;
using System.Text.RegularExpressions;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// The Web's forms and cookie, over real HTTP against the Web process: a post without the antiforgery
// token is refused, and the sign-in cookie cannot be read by scripts or sent by other sites' posts.
public sealed partial class WebSecurityTests(WebStack stack) : IClassFixture<WebStack>
{
    [Fact]
    public async Task Sign_in_needs_the_antiforgery_token_and_sets_an_http_only_same_site_cookie()
    {
        using var browser = NewBrowser();
        var verificationToken = await VerificationTokenAsync(browser);
        var form = new Dictionary<string, string> { ["_handler"] = "token", ["Token.Token"] = FineTuneStack<GarnetRedisServer>.AdminToken };

        var forged = await browser.PostAsync("/login", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain(forged.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("FineTune.Web=", StringComparison.Ordinal)));

        form["__RequestVerificationToken"] = verificationToken;
        var signedIn = await browser.PostAsync("/login", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), v => v.StartsWith("FineTune.Web=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sign_out_refuses_a_post_without_the_antiforgery_token()
    {
        using var browser = NewBrowser();
        var form = new Dictionary<string, string>
        {
            ["_handler"] = "token",
            ["Token.Token"] = FineTuneStack<GarnetRedisServer>.AdminToken,
            ["__RequestVerificationToken"] = await VerificationTokenAsync(browser),
        };
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/login", new FormUrlEncodedContent(form))).StatusCode);

        var forged = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        // Still signed in: the jobs page answers instead of sending the browser to sign in.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/jobs")).StatusCode);
    }

    private HttpClient NewBrowser() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = stack.Web.BaseAddress };

    // The token the sign-in page puts in its forms (its cookie half is now in the browser's cookies).
    private static async Task<string> VerificationTokenAsync(HttpClient browser) =>
        VerificationToken().Match(await browser.GetStringAsync("/login")).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();
}
