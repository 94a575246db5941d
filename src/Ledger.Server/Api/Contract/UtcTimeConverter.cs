using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Server.Api.Contract;

/// <summary>Times on the wire: UTC, ISO-8601, milliseconds, a Z (<c>2026-01-31T12:00:00.000Z</c>).</summary>
public sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
{
    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(Format(value));
}

public sealed class NullableUtcTimeConverter : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } at)
        {
            writer.WriteStringValue(UtcTimeConverter.Format(at));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
