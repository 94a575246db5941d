using System.Security.Cryptography;
using System.Text;

namespace Ledger.Client.Receiving;

/// <summary>
/// Verifies requests of one Ledger wire profile (<c>standard</c>, <c>svix</c>, <c>kash</c>, <c>v2k</c>, <c>generic</c>,
/// <c>github</c>) against the secrets a receiver holds — during a rotation both the new and the old one. Comparisons
/// are constant-time; for the profiles that sign the attempt's time (<c>standard</c>, <c>svix</c>, <c>kash</c>) a
/// request older or newer than the tolerance (5 minutes by default) is refused, so a captured request cannot be
/// replayed later. Deliveries are at-least-once: dedupe on the event id as well. For <c>kepler</c>, whose requests
/// the Ledger server signs with its own key, use <see cref="ForKepler"/>.
/// </summary>
public sealed class WebhookVerifier
{
    /// <summary>The profiles this verifier knows.</summary>
    public static IReadOnlyList<string> Profiles { get; } = ["standard", "svix", "kash", "v2k", "generic", "github"];

    private readonly string _profile;
    private readonly IReadOnlyList<string> _secrets;
    private readonly IReadOnlyList<Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters> _signingKeys = [];
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public WebhookVerifier(string profile, IEnumerable<string> secrets, TimeSpan? tolerance = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(secrets);
        if (!Profiles.Contains(profile))
        {
            throw new ArgumentException($"unknown profile '{profile}'; known: {string.Join(", ", Profiles)}", nameof(profile));
        }
        _profile = profile;
        _secrets = [.. secrets.Where(s => !string.IsNullOrEmpty(s))];
        if (_secrets.Count == 0)
        {
            throw new ArgumentException("at least one secret is needed", nameof(secrets));
        }
        _tolerance = tolerance ?? TimeSpan.FromMinutes(5);
        _time = time ?? TimeProvider.System;
    }

    public WebhookVerifier(string profile, string secret, TimeSpan? tolerance = null, TimeProvider? time = null)
        : this(profile, [secret], tolerance, time)
    {
    }

    private WebhookVerifier(IReadOnlyList<Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters> signingKeys)
    {
        _profile = "kepler";
        _secrets = [];
        _signingKeys = signingKeys;
        _tolerance = TimeSpan.Zero;
        _time = TimeProvider.System;
    }

    /// <summary>
    /// Verifies <c>kepler</c> requests against the Ledger server's signing keys — each an <c>erd1…</c> address or a hex
    /// public key as <c>GET /v1/signing-keys</c> lists them (during a key rotation, both).
    /// </summary>
    public static WebhookVerifier ForKepler(IEnumerable<string> signingKeys)
    {
        ArgumentNullException.ThrowIfNull(signingKeys);
        var keys = signingKeys.Select(Receiving.KeplerSignature.PublicKey).ToList();
        return keys.Count > 0 ? new WebhookVerifier(keys) : throw new ArgumentException("at least one signing key is needed", nameof(signingKeys));
    }

    /// <summary>Checks a request: <paramref name="header"/> looks a header up by name (any case), <paramref name="body"/> is the raw body.</summary>
    public VerificationResult Verify(Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(header);
        return _profile switch
        {
            "standard" => StandardWebhooks("webhook", header, body),
            "svix" => StandardWebhooks("svix", header, body),
            "kash" => Kash(header, body),
            "v2k" => HexHmac(header, body, "X-V2K-Signature", ""),
            "generic" => HexHmac(header, body, "X-Webhook-Signature", ""),
            "kepler" => Receiving.KeplerSignature.Verify(_signingKeys, header, body),
            _ => HexHmac(header, body, "X-Hub-Signature-256", "sha256="),
        };
    }

    public VerificationResult Verify(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var byName = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        return Verify(name => byName.GetValueOrDefault(name), body);
    }

    private VerificationResult StandardWebhooks(string prefix, Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        var id = header(prefix + "-id");
        var timestamp = header(prefix + "-timestamp");
        var signatures = header(prefix + "-signature");
        if (id is null || timestamp is null || signatures is null)
        {
            return VerificationResult.Invalid($"missing {prefix}-id, {prefix}-timestamp or {prefix}-signature");
        }
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return VerificationResult.Invalid($"{prefix}-timestamp is not a unix time");
        }
        if (Stale(DateTimeOffset.FromUnixTimeSeconds(seconds)) is { } stale)
        {
            return stale;
        }
        var signed = Concat(Encoding.UTF8.GetBytes($"{id}.{timestamp}."), body);
        var offered = signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Select(s => s[3..])
            .ToList();
        foreach (var secret in _secrets)
        {
            var expected = Convert.ToBase64String(HMACSHA256.HashData(StandardKey(secret), signed));
            if (offered.Any(s => Same(s, expected)))
            {
                return VerificationResult.Valid;
            }
        }
        return VerificationResult.Invalid("no signature matches a secret");
    }

    private VerificationResult Kash(Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        var parts = (header("X-Kash-Signature") ?? "").Split(',');
        var t = parts.FirstOrDefault(p => p.StartsWith("t=", StringComparison.Ordinal))?[2..];
        if (!long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)
            || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return VerificationResult.Invalid("X-Kash-Signature has no t=<unix ms>");
        }
        if (Stale(DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)) is { } stale)
        {
            return stale;
        }
        var signed = Concat(Encoding.ASCII.GetBytes(t + "."), body);
        var offered = parts.Where(p => p.StartsWith("v1=", StringComparison.Ordinal)).Select(p => p[3..]).ToList();
        foreach (var secret in _secrets)
        {
            var expected = Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
            if (offered.Any(s => Same(s, expected)))
            {
                return VerificationResult.Valid;
            }
        }
        return VerificationResult.Invalid("no signature matches a secret");
    }

    private VerificationResult HexHmac(Func<string, string?> header, ReadOnlySpan<byte> body, string name, string prefix)
    {
        var offered = new[] { header(name) }
            .Concat((header(name + "-Previous") ?? "").Split(','))
            .Where(s => !string.IsNullOrEmpty(s))
            .ToList();
        if (offered.Count == 0)
        {
            return VerificationResult.Invalid($"missing {name}");
        }
        foreach (var secret in _secrets)
        {
            var expected = prefix + Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
            if (offered.Any(s => Same(s!, expected)))
            {
                return VerificationResult.Valid;
            }
        }
        return VerificationResult.Invalid("no signature matches a secret");
    }

    private VerificationResult? Stale(DateTimeOffset signedAt) =>
        (_time.GetUtcNow() - signedAt).Duration() > _tolerance
            ? VerificationResult.Invalid($"the signature's time {signedAt:O} is outside the tolerance of {_tolerance.TotalSeconds:F0} s")
            : null;

    private static byte[] StandardKey(string secret) =>
        secret.StartsWith("whsec_", StringComparison.Ordinal) ? Convert.FromBase64String(secret[6..]) : Encoding.UTF8.GetBytes(secret);

    private static byte[] Concat(byte[] prefix, ReadOnlySpan<byte> body)
    {
        var all = new byte[prefix.Length + body.Length];
        prefix.CopyTo(all, 0);
        body.CopyTo(all.AsSpan(prefix.Length));
        return all;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
