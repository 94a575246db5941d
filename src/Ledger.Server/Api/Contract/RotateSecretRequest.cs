namespace Ledger.Server.Api.Contract;

/// <summary>The optional body of <c>POST /v1/webhooks/{id}/rotate-secret</c>: how long the old secret keeps signing.</summary>
public sealed record RotateSecretRequest
{
    public int? OverlapHours { get; init; }
}
