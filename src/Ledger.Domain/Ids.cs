using System.Security.Cryptography;

namespace Ledger.Domain;

/// <summary>A tenant: the owner of webhooks, events and ledger streams. Lowercase letters, digits, '-' and '_'.</summary>
public readonly record struct TenantId(string Value)
{
    public static readonly TenantId Default = new("default");

    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64 && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    public override string ToString() => Value;
}

/// <summary>A webhook (endpoint) id, <c>wh_…</c>.</summary>
public readonly record struct WebhookId(string Value)
{
    public const string Prefix = "wh_";
    public override string ToString() => Value;
}

/// <summary>A published event's id, <c>evt_…</c> when Ledger makes it; a publisher may bring its own (the idempotency key).</summary>
public readonly record struct EventId(string Value)
{
    public const string Prefix = "evt_";

    /// <summary>Ids a publisher may choose: what Svix, Stripe and the seeds use (prefixed ids, UUIDs).</summary>
    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');

    public override string ToString() => Value;
}

/// <summary>A delivery (one event to one webhook) id, <c>dlv_…</c>.</summary>
public readonly record struct DeliveryId(string Value)
{
    public const string Prefix = "dlv_";
    public override string ToString() => Value;
}

/// <summary>
/// Makes prefixed, time-ordered ids: the prefix, 10 Crockford base32 characters of Unix milliseconds and 16 of
/// randomness (a ULID in lowercase). Time and randomness come from the edges, so the domain stays pure.
/// </summary>
public static class PrefixedId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string Create(string prefix, DateTimeOffset at, ReadOnlySpan<byte> random)
    {
        if (random.Length < 10)
        {
            throw new ArgumentException("an id needs 10 random bytes", nameof(random));
        }
        Span<char> chars = stackalloc char[26];
        var ms = (ulong)Math.Max(0, at.ToUnixTimeMilliseconds());
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }
        // 80 random bits as 16 base32 characters.
        UInt128 r = 0;
        for (var i = 0; i < 10; i++)
        {
            r = (r << 8) | random[i];
        }
        for (var i = 25; i >= 10; i--)
        {
            chars[i] = Alphabet[(int)(r & 31)];
            r >>= 5;
        }
        return string.Concat(prefix, chars);
    }
}

/// <summary>The edge that makes new ids from the clock and a secure random source.</summary>
public sealed class IdGenerator(TimeProvider time)
{
    public string New(string prefix)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        return PrefixedId.Create(prefix, time.GetUtcNow(), random);
    }

    public WebhookId NewWebhookId() => new(New(WebhookId.Prefix));
    public EventId NewEventId() => new(New(EventId.Prefix));
    public DeliveryId NewDeliveryId() => new(New(DeliveryId.Prefix));
}
