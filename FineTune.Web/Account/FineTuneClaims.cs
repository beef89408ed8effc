namespace FineTune.Web.Account;

// Claim types of the Web's cookie. The Api token rides in the (Data Protection encrypted) cookie so
// every Api call the Web makes on the user's behalf can carry it.
public static class FineTuneClaims
{
    public const string ApiToken = "finetune:api_token";
}
