using System.Text.Json.Serialization;
using Ledger.Projections;

namespace Ledger.Server.Api.Contract;

/// <summary>A delivery of one event to one webhook (docs/rest.md).</summary>
public record DeliveryResponse(
    string Id,
    string EventId,
    string WebhookId,
    string Type,
    string Status,
    int Attempts,
    DateTimeOffset? LastAttemptedAt,
    int? LastStatusCode,
    string? LastFailureCode,
    string? LastErrorMessage,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? TerminalFailureAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset CreatedAt)
{
    public static DeliveryResponse From(DeliveryView d) => new(
        d.Id, d.EventId, d.WebhookId, d.Type, d.Status, d.Attempts, d.LastAttemptedAt, d.LastStatusCode, d.LastFailureCode,
        d.LastErrorMessage, d.NextAttemptAt, d.TerminalFailureAt, d.DeliveredAt, d.CreatedAt);
}

/// <summary><c>GET /v1/deliveries/{id}</c>: the delivery with its attempt log (after the delivery's fields).</summary>
public sealed record DeliveryDetailResponse : DeliveryResponse
{
    private DeliveryDetailResponse(DeliveryResponse delivery, IReadOnlyList<AttemptResponse> attemptLog)
        : base(delivery) => AttemptLog = attemptLog;

    [JsonPropertyOrder(1)]
    public IReadOnlyList<AttemptResponse> AttemptLog { get; }

    public static DeliveryDetailResponse From(DeliveryView d, IReadOnlyList<AttemptView> attempts) =>
        new(DeliveryResponse.From(d), [.. attempts.Select(AttemptResponse.From)]);
}

/// <summary>One attempt of a delivery: when, how long, and what the receiver answered (first 4 KiB).</summary>
public sealed record AttemptResponse(
    int Number,
    DateTimeOffset StartedAt,
    int DurationMs,
    int? StatusCode,
    string? FailureCode,
    string? ErrorMessage,
    string? ResponseBody)
{
    public static AttemptResponse From(AttemptView a) => new(a.Number, a.StartedAt, a.DurationMs, a.StatusCode, a.FailureCode, a.ErrorMessage, a.ResponseBody);
}
