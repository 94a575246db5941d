using System.Buffers;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ledger.Application.Exports;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Keys;
using Ledger.Projections;

namespace Ledger.Server.Exports;

/// <summary>
/// Writes a tenant's ledger events as JSONL (docs/audit.md) while it reads them, page by page, so memory stays flat
/// whatever the size; the last line is the manifest, signed with the server's Ed25519 key. The export ends at the
/// head it saw when it started, so it is a consistent snapshot. Data that must not leave the server (secrets and
/// server keys) is written as <c>null</c> with its digest, which is all the hash chain needs.
/// </summary>
public sealed class LedgerExport(IEventStore store, WebhookRegistry registry, SigningKeys signingKeys, TimeProvider time)
{
    public const int PageSize = 1000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public async Task WriteAsync(Stream output, TenantId tenant, LedgerExportRange range, CancellationToken cancellationToken)
    {
        var head = await store.ReadHeadPositionAsync(cancellationToken);
        var last = range.ToPosition is { } to ? Math.Min(to - 1, head) : head;
        var after = Math.Max(0, (range.FromPosition ?? 1) - 1);
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new ArrayBufferWriter<byte>(4096);
        var chains = new Dictionary<string, Chain>(StringComparer.Ordinal);
        var order = new List<string>();
        long count = 0;
        while (after < last)
        {
            var page = await store.ReadAllAsync(after, PageSize, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            foreach (var e in page)
            {
                if (e.Position > last)
                {
                    break;
                }
                if (!range.Includes(e) || StreamAccess.TenantOf(e.StreamId, registry) != tenant.Value)
                {
                    continue;
                }
                var prevHash = "";
                if (chains.TryGetValue(e.StreamId, out var chain))
                {
                    prevHash = chain.LastHash;
                }
                else if (e.Version > 0)
                {
                    prevHash = (await store.ReadStreamAsync(e.StreamId, e.Version - 1, 1, cancellationToken))[0].Hash;
                }
                if (chain is null)
                {
                    order.Add(e.StreamId);
                    chains[e.StreamId] = chain = new Chain(e.Version, prevHash);
                }
                chain.LastVersion = e.Version;
                chain.LastHash = e.Hash;
                buffer.ResetWrittenCount();
                WriteLine(buffer, e, prevHash);
                digest.AppendData(buffer.WrittenSpan);
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
                count++;
            }
            after = page[^1].Position;
            await output.FlushAsync(cancellationToken);
        }

        var manifest = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(manifest, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("tenant", tenant.Value);
            WriteNullable(writer, "from", range.From);
            WriteNullable(writer, "to", range.To ?? (last + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteNullable(writer, "streams", range.StreamPrefix);
            writer.WriteNumber("count", count);
            writer.WriteString("sha256", Convert.ToHexStringLower(digest.GetHashAndReset()));
            writer.WriteStartObject("chains");
            foreach (var stream in order)
            {
                var c = chains[stream];
                writer.WriteStartObject(stream);
                writer.WriteNumber("firstVersion", c.FirstVersion);
                writer.WriteNumber("lastVersion", c.LastVersion);
                writer.WriteString("firstPrevHash", c.FirstPrevHash);
                writer.WriteString("lastHash", c.LastHash);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteString("exportedAt", EventHash.FormatTime(time.GetUtcNow()));
            var (key, _) = await signingKeys.SignAsync([], cancellationToken);
            writer.WriteString("publicKey", key.PublicKey);
            writer.WriteEndObject();
        }
        var (_, signature) = await signingKeys.SignAsync(manifest.WrittenSpan.ToArray(), cancellationToken);
        buffer.ResetWrittenCount();
        buffer.Write("{\"manifest\":"u8);
        buffer.Write(manifest.WrittenSpan);
        buffer.Write(",\"signature\":\""u8);
        buffer.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(signature)));
        buffer.Write("\"}\n"u8);
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>Whether an event's data stays on the server: server keys, and anything carrying a webhook secret.</summary>
    public static bool Withholds(StoredEvent e)
    {
        if (e.StreamId is Streams.ApiKeys or Streams.KeyRing or Streams.SigningKeys)
        {
            return true;
        }
        using var document = JsonDocument.Parse(e.Data);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && (document.RootElement.TryGetProperty("secret", out _) || document.RootElement.TryGetProperty("sealedSecret", out _));
    }

    private static void WriteLine(IBufferWriter<byte> buffer, StoredEvent e, string prevHash)
    {
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("streamId", e.StreamId);
            writer.WriteNumber("version", e.Version);
            writer.WriteNumber("position", e.Position);
            writer.WriteString("type", e.Type);
            writer.WriteString("occurredAt", EventHash.FormatTime(e.OccurredAt));
            if (Withholds(e))
            {
                writer.WriteNull("data");
            }
            else
            {
                writer.WriteString("data", e.Data);
            }
            writer.WriteString("dataSha256", EventHash.DataSha256(e.Data));
            writer.WriteString("prevHash", prevHash);
            writer.WriteString("hash", e.Hash);
            writer.WriteNumber("hashVersion", e.HashVersion);
            writer.WriteEndObject();
        }
        buffer.Write(NewLine);
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private sealed class Chain(long firstVersion, string firstPrevHash)
    {
        public long FirstVersion { get; } = firstVersion;

        public string FirstPrevHash { get; } = firstPrevHash;

        public long LastVersion { get; set; }

        public string LastHash { get; set; } = "";
    }
}
