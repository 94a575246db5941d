using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ledger.Bench;

/// <summary>One published event of a scenario and the receivers it goes to.</summary>
public sealed class BenchEvent
{
    public BenchEvent(string id, string type, string? orderingKey, string dataJson, DateTimeOffset createdAt, int[] receivers)
    {
        Id = id;
        Type = type;
        OrderingKey = orderingKey;
        Receivers = receivers;
        PublishBody = Workload.PublishBody(id, type, orderingKey, dataJson);
        Envelope = Workload.Envelope(id, type, createdAt, dataJson);
    }

    public string Id { get; }

    public string Type { get; }

    public string? OrderingKey { get; }

    public int[] Receivers { get; }

    /// <summary>What a producer POSTs to Ledger's <c>/v1/events</c>.</summary>
    public byte[] PublishBody { get; }

    /// <summary>The Standard Webhooks body Ledger renders for it (<c>{"id","type","timestamp","data"}</c>), which the baseline and the peer send.</summary>
    public byte[] Envelope { get; }
}

/// <summary>One POST to one receiver: what the baseline and the Hangfire peer send.</summary>
public readonly record struct Post(int Receiver, string Url, string MessageId, byte[] Body);

public static class Workload
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] Markets = ["BTC-USD", "ETH-USD", "SOL-USD", "EUR-USD", "XAU-USD"];

    /// <summary>A trade event's data, about 250 bytes, the same shape every time.</summary>
    public static string TradeData(int n, string? key) =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"tradeId":"t-{{n:D8}}","market":"{{Markets[n % Markets.Length]}}","side":"{{(n % 2 == 0 ? "buy" : "sell")}}","quantity":"{{(n % 97) + 0.25m:F4}}","price":"{{64000 + (n % 1000):F2}}","fee":"{{(n % 13) + 0.6m:F2}}","account":"{{key ?? "acct-0"}}","strategy":"momentum-v2","venue":"xnas"}""");

    public static string EventId(string run, int n) => string.Create(CultureInfo.InvariantCulture, $"evt_{run}_{n:D8}");

    /// <summary><paramref name="count"/> trade events over <paramref name="keys"/> ordering keys, each to the receivers <paramref name="receiversOf"/> gives.</summary>
    public static List<BenchEvent> Trades(string run, int count, int keys, Func<int, int[]> receiversOf, string type = "trade.completed")
    {
        var now = DateTimeOffset.UtcNow;
        var events = new List<BenchEvent>(count);
        for (var n = 0; n < count; n++)
        {
            var key = keys > 0 ? string.Create(CultureInfo.InvariantCulture, $"acct-{n % keys:D6}") : null;
            events.Add(new BenchEvent(EventId(run, n), type, key, TradeData(n, key), now, receiversOf(n)));
        }
        return events;
    }

    /// <summary>Every (event, receiver) pair as one POST, events in order.</summary>
    public static Post[] Posts(IEnumerable<BenchEvent> events, Func<int, string> urlOf) =>
        [.. events.SelectMany(e => e.Receivers.Select(r => new Post(r, urlOf(r), e.Id, e.Envelope)))];

    public static byte[] PublishBody(string id, string type, string? orderingKey, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Compact))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("type", type);
            json.WritePropertyName("data");
            json.WriteRawValue(dataJson, skipInputValidation: true);
            if (orderingKey is not null)
            {
                json.WriteString("orderingKey", orderingKey);
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static byte[] Envelope(string id, string type, DateTimeOffset createdAt, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Compact))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("type", type);
            json.WriteString("timestamp", createdAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WritePropertyName("data");
            json.WriteRawValue(dataJson, skipInputValidation: true);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
