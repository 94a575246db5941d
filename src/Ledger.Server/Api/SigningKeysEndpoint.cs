using Ledger.Keys;

namespace Ledger.Server.Api;

/// <summary>One key as <c>GET /v1/signing-keys</c> lists it; <c>validUntil</c> is set on a key being rotated out.</summary>
public sealed record SigningKeyEntry(string Address, string PublicKey, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? ValidUntil);

/// <summary>The active key's address and public key, and every key valid now (docs/wire-profiles.md, docs/audit.md).</summary>
public sealed record SigningKeysResponse(string Address, string PublicKey, IReadOnlyList<SigningKeyEntry> Keys);

/// <summary><c>GET /v1/signing-keys</c>: public, no API key (kepler receivers and export verifiers fetch the keys here).</summary>
public static class SigningKeysEndpoint
{
    public const string Path = "/v1/signing-keys";

    public static IEndpointRouteBuilder MapLedgerSigningKeys(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (SigningKeys keys, HttpContext http) =>
        {
            var valid = await keys.ListAsync(http.RequestAborted);
            var active = valid[0];
            return Answer.Json(new SigningKeysResponse(active.Address, active.PublicKey, [.. valid.Select(k => new SigningKeyEntry(k.Address, k.PublicKey, k.Active, k.CreatedAt, k.ValidUntil))]));
        })
            .AllowAnonymous()
            .Produces<SigningKeysResponse>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable)
            .WithName("listSigningKeys").WithTags("Signing keys")
            .WithDescription("The server's Ed25519 signing keys: the active one, and every key still valid during a rotation overlap. No API key needed.");
        return app;
    }
}
