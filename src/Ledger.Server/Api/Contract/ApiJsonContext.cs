using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Server.Api.Contract;

/// <summary>
/// The REST contract's types, serialized by generated code: camelCase, nulls written, times as UTC ISO-8601 with
/// milliseconds and a Z. Reading is strict: names as written, numbers as numbers.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(WebhookRequest))]
[JsonSerializable(typeof(PublishEventRequest))]
[JsonSerializable(typeof(RotateSecretRequest))]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(PageResponse<WebhookResponse>))]
[JsonSerializable(typeof(DeliveryResponse))]
[JsonSerializable(typeof(PageResponse<DeliveryResponse>))]
[JsonSerializable(typeof(DeliveryDetailResponse))]
[JsonSerializable(typeof(PublishedResponse))]
[JsonSerializable(typeof(RedeliveredEventResponse))]
[JsonSerializable(typeof(LedgerEventsResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(CreatePortalTokenRequest))]
[JsonSerializable(typeof(PortalTokenResponse))]
[JsonSerializable(typeof(Ledger.Server.Api.SigningKeysResponse))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(PageResponse<ApiKeyResponse>))]
[JsonSerializable(typeof(ApiKeyCreatedResponse))]
[JsonSerializable(typeof(AuditEntryResponse))]
[JsonSerializable(typeof(PageResponse<AuditEntryResponse>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
