using System.ComponentModel.DataAnnotations;

namespace FineTune.Data;

// What the server's operator allows besides public addresses when FineTune calls an address a user gave.
// The Api and the Worker validate it on start.
public sealed class EgressOptions : IValidatableObject
{
    public const string Section = "FineTune:Egress";

    // Comma-separated hosts, host:port pairs and CIDR networks (see EgressAllowList). The AppHost adds the
    // LocalProvider it starts.
    public string? AllowedHosts { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        try
        {
            EgressAllowList.Parse(AllowedHosts);
        }
        catch (FormatException e)
        {
            return [new ValidationResult(e.Message, [nameof(AllowedHosts)])];
        }
        return [];
    }
}
