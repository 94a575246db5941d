using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Domain;

namespace Ledger.EventStore;

/// <summary>Turns domain events into stored JSON under their wire names, and back.</summary>
public static class EventSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static NewEvent ToNew(ILedgerEvent e, DateTimeOffset occurredAt, string? idempotencyKey = null) =>
        new(EventCatalog.NameOf(e), JsonSerializer.Serialize(e, e.GetType(), Options), occurredAt, idempotencyKey);

    /// <summary>The domain event, or null for a type this version does not know (an unknown event is skipped, never guessed at).</summary>
    public static ILedgerEvent? Deserialize(StoredEvent stored) => Deserialize(stored.Type, stored.Data);

    public static ILedgerEvent? Deserialize(string type, string data)
    {
        var clrType = EventCatalog.TypeOf(type);
        return clrType is null ? null : (ILedgerEvent?)JsonSerializer.Deserialize(data, clrType, Options);
    }
}
