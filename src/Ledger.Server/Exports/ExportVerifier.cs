using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.EventStore;
using Ledger.Keys;
using NSec.Cryptography;
using IncrementalHash = System.Security.Cryptography.IncrementalHash;

namespace Ledger.Server.Exports;

/// <summary>The outcome of checking an export: intact or not, the first bad line (1-based) and one line saying so.</summary>
public sealed record ExportVerification(bool Intact, long? BadLine, string Summary);

/// <summary>
/// Checks a JSONL ledger export (docs/audit.md) without trusting the server: each stream's chain from the prevHash
/// its first line names, versions without gaps, positions in order, data against dataSha256, the digest of the
/// lines and the Ed25519 signature of the manifest — against a pinned key, or only the manifest's own one.
/// Reads the file once, line by line.
/// </summary>
public static class ExportVerifier
{
    public static ExportVerification Verify(Stream input, byte[]? pinnedPublicKey)
    {
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var streams = new Dictionary<string, StreamState>(StringComparer.Ordinal);
        long lineNumber = 0;
        long count = 0;
        long lastPosition = 0;
        byte[]? manifestLine = null;
        long manifestLineNumber = 0;
        foreach (var (line, terminated) in Lines(input))
        {
            lineNumber++;
            if (manifestLine is not null)
            {
                return Bad(lineNumber, "a line follows the manifest (lines were added or reordered)");
            }
            if (!terminated)
            {
                return Bad(lineNumber, "the line is cut (the file is truncated)");
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                return Bad(lineNumber, "the line is not valid JSON (changed or cut)");
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return Bad(lineNumber, "the line is not a JSON object");
                }
                if (root.TryGetProperty("manifest", out _))
                {
                    manifestLine = line;
                    manifestLineNumber = lineNumber;
                    continue;
                }
                var problem = CheckEvent(root, streams, lineNumber, ref lastPosition);
                if (problem is not null)
                {
                    return Bad(lineNumber, problem);
                }
            }
            digest.AppendData(line);
            digest.AppendData("\n"u8);
            count++;
        }
        if (manifestLine is null)
        {
            return Bad(lineNumber + 1, "no manifest line at the end (the file is truncated)");
        }
        return CheckManifest(manifestLine, manifestLineNumber, Convert.ToHexStringLower(digest.GetHashAndReset()), count, streams, pinnedPublicKey);
    }

    private static string? CheckEvent(JsonElement e, Dictionary<string, StreamState> streams, long lineNumber, ref long lastPosition)
    {
        string streamId, type, occurredAtText, dataSha256, prevHash, hash;
        long version, position;
        int hashVersion;
        string? data;
        try
        {
            streamId = e.GetProperty("streamId").GetString()!;
            version = e.GetProperty("version").GetInt64();
            position = e.GetProperty("position").GetInt64();
            type = e.GetProperty("type").GetString()!;
            occurredAtText = e.GetProperty("occurredAt").GetString()!;
            var dataElement = e.GetProperty("data");
            data = dataElement.ValueKind == JsonValueKind.Null ? null : dataElement.GetString();
            dataSha256 = e.GetProperty("dataSha256").GetString()!;
            prevHash = e.GetProperty("prevHash").GetString()!;
            hash = e.GetProperty("hash").GetString()!;
            hashVersion = e.GetProperty("hashVersion").GetInt32();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return "a field is missing or of the wrong type";
        }
        if (!DateTimeOffset.TryParseExact(occurredAtText, EventHash.OccurredAtFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var occurredAt))
        {
            return "occurredAt is not a time of the form yyyy-MM-ddTHH:mm:ss.ffffffZ";
        }
        if (position <= lastPosition)
        {
            return string.Create(CultureInfo.InvariantCulture, $"position {position} does not follow {lastPosition} (lines were reordered)");
        }
        lastPosition = position;
        if (streams.TryGetValue(streamId, out var state))
        {
            if (version != state.LastVersion + 1)
            {
                return version > state.LastVersion + 1
                    ? string.Create(CultureInfo.InvariantCulture, $"{streamId} jumps from version {state.LastVersion} to {version} (a line was dropped)")
                    : string.Create(CultureInfo.InvariantCulture, $"{streamId} goes from version {state.LastVersion} back to {version} (lines were reordered)");
            }
            if (prevHash != state.LastHash)
            {
                return $"prevHash does not match the hash of {streamId}'s previous line (changed)";
            }
        }
        if (data is not null && EventHash.DataSha256(data) != dataSha256)
        {
            return "data does not match dataSha256 (changed)";
        }
        string expected;
        switch (hashVersion)
        {
            case 2:
                expected = EventHash.ComputeFromDigest(prevHash, streamId, version, type, occurredAt, dataSha256);
                break;
            case 1 when data is not null:
                expected = EventHash.Compute(prevHash, streamId, version, type, occurredAt, data, 1);
                break;
            case 1:
                return "a hash-version-1 event with withheld data cannot be checked";
            default:
                return string.Create(CultureInfo.InvariantCulture, $"unknown hashVersion {hashVersion}");
        }
        if (expected != hash)
        {
            return "hash does not match the line's content (changed)";
        }
        if (state is null)
        {
            streams[streamId] = new StreamState(lineNumber, version, prevHash) { LastVersion = version, LastHash = hash, LastLine = lineNumber };
        }
        else
        {
            state.LastVersion = version;
            state.LastHash = hash;
            state.LastLine = lineNumber;
        }
        return null;
    }

    private static ExportVerification CheckManifest(byte[] line, long lineNumber, string sha256, long count, Dictionary<string, StreamState> streams, byte[]? pinned)
    {
        using var document = JsonDocument.Parse(line);
        byte[] publicKey;
        byte[] signature;
        JsonElement manifest;
        try
        {
            manifest = document.RootElement.GetProperty("manifest");
            signature = Convert.FromBase64String(document.RootElement.GetProperty("signature").GetString()!);
            publicKey = Convert.FromHexString(manifest.GetProperty("publicKey").GetString()!);
            foreach (var (name, expected) in streams)
            {
                if (!manifest.GetProperty("chains").TryGetProperty(name, out var chain))
                {
                    return Bad(expected.FirstLine, $"{name} is not in the manifest's chains (lines were added)");
                }
                if (chain.GetProperty("firstVersion").GetInt64() != expected.FirstVersion || chain.GetProperty("firstPrevHash").GetString() != expected.FirstPrevHash)
                {
                    return Bad(expected.FirstLine, $"{name} starts at version {expected.FirstVersion}, not where the manifest says (lines before it were dropped)");
                }
                if (chain.GetProperty("lastVersion").GetInt64() != expected.LastVersion || chain.GetProperty("lastHash").GetString() != expected.LastHash)
                {
                    return Bad(expected.LastLine + 1, $"{name} ends at version {expected.LastVersion}, not where the manifest says (lines were dropped)");
                }
            }
            foreach (var chain in manifest.GetProperty("chains").EnumerateObject())
            {
                if (!streams.ContainsKey(chain.Name))
                {
                    return Bad(lineNumber, $"the manifest names {chain.Name}, which has no lines (lines were dropped)");
                }
            }
            if (manifest.GetProperty("count").GetInt64() != count)
            {
                return Bad(lineNumber, string.Create(CultureInfo.InvariantCulture, $"the manifest counts {manifest.GetProperty("count").GetInt64()} events, the file has {count}"));
            }
            if (manifest.GetProperty("sha256").GetString() != sha256)
            {
                return Bad(lineNumber, "the digest of the lines does not match the manifest's sha256 (changed)");
            }
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return Bad(lineNumber, "the manifest is missing a field or has one of the wrong type");
        }
        if (pinned is not null && !pinned.AsSpan().SequenceEqual(publicKey))
        {
            return Bad(lineNumber, $"the manifest is signed by {Convert.ToHexStringLower(publicKey)}, not by the pinned key (wrong key)");
        }
        var signed = Encoding.UTF8.GetBytes(manifest.GetRawText());
        if (publicKey.Length != 32 || !SignatureAlgorithm.Ed25519.Verify(PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey), signed, signature))
        {
            return Bad(lineNumber, "the manifest's signature does not verify (changed or wrong key)");
        }
        var keyNote = pinned is not null
            ? $"signed by the pinned key {Bech32.Address(publicKey)}"
            : $"signature checked only against the manifest's own key {Convert.ToHexStringLower(publicKey)} (pin it with --public-key)";
        return new ExportVerification(true, null, string.Create(CultureInfo.InvariantCulture,
            $"OK: {count} events in {streams.Count} streams; chains, digest and signature intact; {keyNote}"));
    }

    private static ExportVerification Bad(long line, string why) =>
        new(false, line, string.Create(CultureInfo.InvariantCulture, $"FAILED at line {line}: {why}"));

    /// <summary>Each line's bytes without its "\n", and whether it had one.</summary>
    private static IEnumerable<(byte[] Line, bool Terminated)> Lines(Stream input)
    {
        var buffered = new BufferedStream(input, 1 << 16);
        var line = new MemoryStream();
        int b;
        while ((b = buffered.ReadByte()) >= 0)
        {
            if (b == '\n')
            {
                yield return (line.ToArray(), true);
                line.SetLength(0);
            }
            else
            {
                line.WriteByte((byte)b);
            }
        }
        if (line.Length > 0)
        {
            yield return (line.ToArray(), false);
        }
    }

    private sealed class StreamState(long firstLine, long firstVersion, string firstPrevHash)
    {
        public long FirstLine { get; } = firstLine;

        public long FirstVersion { get; } = firstVersion;

        public string FirstPrevHash { get; } = firstPrevHash;

        public long LastVersion { get; set; }

        public string LastHash { get; set; } = "";

        public long LastLine { get; set; }
    }

    /// <summary>A public key given as 64 hex characters or an erd1… address.</summary>
    public static byte[]? ParsePublicKey(string text)
    {
        if (text.Length == 64 && text.All(Uri.IsHexDigit))
        {
            return Convert.FromHexString(text);
        }
        return Bech32.TryDecode(text, out var hrp, out var data) && hrp == "erd" && data.Length == 32 ? data : null;
    }
}
