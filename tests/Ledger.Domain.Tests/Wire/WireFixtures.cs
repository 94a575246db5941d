using System.Text.Json;
using Ledger.Domain.Wire;

namespace Ledger.Domain.Tests.Wire;

internal static class WireFixtures
{
    public const string WhsecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string PreviousWhsecSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    public const string OtherWhsecSecret = "whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IGtleSE=";

    public static readonly DateTimeOffset CreatedAt = new(2026, 5, 2, 12, 34, 56, 789, TimeSpan.Zero);
    public static readonly DateTimeOffset AttemptAt = new(2026, 5, 3, 8, 0, 1, 250, TimeSpan.FromHours(2));

    /// <summary>Data a naive serializer gets wrong: non-ASCII, emoji, HTML-ish characters, JavaScript's number forms, index keys, nesting.</summary>
    public const string TrickyData = """
        {
          "tradeId": "11111111-1111-4111-8111-111111111111",
          "name": "Zoë — 東京 🚀 👩‍💻",
          "html": "<a href='x?a=1&b=2'>+ more</a>",
          "escapes": "tab\t nl\n quote\" backslash\\ ctrl\u0001 sep\u2028 lone\ud800",
          "amounts": [1.0, 1e21, 0.1, 1e-7, 0.000001, 123456789012345678901, 9007199254740993, -0, 2.5e-8, 1.5e300, 100],
          "tokensOut": "237340124711760000000",
          "nested": { "z": [{ "deep": [[], [[1.50]]] }, {}], "a": null, "t": true, "f": false },
          "2": "index key",
          "1": "another index key",
          "dup": 1,
          "metadata": { "from": "data" },
          "dup": 2
        }
        """;

    public const string TrickyDataCanonical =
        "{\"1\":\"another index key\",\"2\":\"index key\",\"tradeId\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"Zoë — 東京 🚀 👩‍💻\","
        + "\"html\":\"<a href='x?a=1&b=2'>+ more</a>\",\"escapes\":\"tab\\t nl\\n quote\\\" backslash\\\\ ctrl\\u0001 sep\u2028 lone\\ud800\","
        + "\"amounts\":[1,1e+21,0.1,1e-7,0.000001,123456789012345680000,9007199254740992,0,2.5e-8,1.5e+300,100],"
        + "\"tokensOut\":\"237340124711760000000\",\"nested\":{\"z\":[{\"deep\":[[],[[1.5]]]},{}],\"a\":null,\"t\":true,\"f\":false},"
        + "\"dup\":2,\"metadata\":{\"from\":\"data\"}}";

    public static EnvelopeInput Event(
        string data = TrickyData,
        string? apiVersion = "2026-04-29",
        IReadOnlyDictionary<string, string>? metadata = null,
        string type = "trade.completed") =>
        new("evt_8f3c2a1b9d0e4f7a8c1b6e5d3f4a2c9b", type, Parse(data), apiVersion, metadata, CreatedAt, "wh_01hx");

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string Header(IReadOnlyList<KeyValuePair<string, string>> headers, string name) =>
        Assert.Single(headers, h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
