using System.Globalization;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;

namespace Ledger.Bench;

/// <summary>What <see cref="LedgerGenerator"/> wrote.</summary>
public sealed record GeneratedLedger(string Path, long Events, long Deliveries, long Published, long HeadPosition, TimeSpan Elapsed, IReadOnlyDictionary<string, long> ByStatus);

/// <summary>
/// Writes a realistic ledger straight through the SQLite adapter, as the server would have written it: webhooks
/// registered, events published (each planned to every webhook), and on each per-key lane the enqueue, the attempts
/// and the outcome. Most deliveries were delivered on the first attempt; 2% failed after three attempts; a few
/// lanes end in a backlog (a retrying head due hours from now, pending deliveries behind it), so nothing is due
/// when a server starts on it.
/// </summary>
public static class LedgerGenerator
{
    private const string Tenant = "default";
    private const int PublishedPerChunk = 250;

    public static async Task<GeneratedLedger> GenerateAsync(string path, int deliveries, int webhooks = 10, int keys = 2000, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var random = new Random(42);
        var published = (deliveries + webhooks - 1) / webhooks;
        var now = DateTimeOffset.UtcNow;
        var start = now.AddDays(-30);
        var spacing = TimeSpan.FromTicks(Math.Max(1, (now.AddHours(-1) - start).Ticks / Math.Max(1, published)));
        var byStatus = new Dictionary<string, long>(StringComparer.Ordinal) { ["delivered"] = 0, ["failed"] = 0, ["retrying"] = 0, ["pending"] = 0 };
        long events = 0;
        long head;
        var backlogFrom = (int)(published * 0.9);
        var backlogKeys = Math.Max(1, keys / 80);

        await using (var store = SqliteEventStore.Open(path))
        {
            var tenantStream = Streams.Tenant(new TenantId(Tenant));
            var hooks = new string[webhooks];
            var registrations = new List<NewEvent>();
            for (var w = 0; w < webhooks; w++)
            {
                hooks[w] = Id(WebhookId.Prefix, start, random);
                var registered = new WebhookRegistered(
                    hooks[w], $"http://127.0.0.1:9/hooks/{w}", ["trade.*"], $"generated webhook {w}", Profiles.Standard, Signing.NewSecret(), true,
                    Ordering.Fifo, [5, 300], null, null, null, null, start);
                registrations.Add(EventSerializer.ToNew(registered, start));
            }
            await store.AppendAsync([new StreamAppend(tenantStream, ExpectedVersion.Any, registrations)], cancellationToken);
            events += registrations.Count;

            Task<AppendResult>? writing = null;
            for (var first = 0; first < published; first += PublishedPerChunk)
            {
                var count = Math.Min(PublishedPerChunk, published - first);
                var publishedEvents = new EventPublished[count];
                var toAppend = new NewEvent[count];
                Parallel.For(0, count, i =>
                {
                    var p = first + i;
                    var eventRandom = new Random(p);
                    var key = KeyOf(p, keys);
                    var createdAt = start + (spacing * p);
                    var eventId = Id(Domain.EventId.Prefix, createdAt, eventRandom);
                    var planned = hooks.Select(h => new PlannedDelivery(Id(DeliveryId.Prefix, createdAt, eventRandom), h)).ToList();
                    using var data = JsonDocument.Parse(Workload.TradeData(p, key));
                    publishedEvents[i] = new EventPublished(eventId, "trade.completed", data.RootElement.Clone(), null, null, key, createdAt, planned);
                    toAppend[i] = EventSerializer.ToNew(publishedEvents[i], createdAt, eventId);
                });
                var result = await store.AppendAsync([new StreamAppend(tenantStream, ExpectedVersion.Any, toAppend)], cancellationToken);
                events += toAppend.Length;
                var firstPosition = result.Streams[0].FirstPosition;

                var perEvent = new List<(string Lane, NewEvent Event)>[count];
                var statuses = new string[count * webhooks];
                Parallel.For(0, count, i =>
                {
                    var p = first + i;
                    var e = publishedEvents[i];
                    var outcomeRandom = new Random(~p);
                    var keyIndex = p % keys;
                    var list = new List<(string, NewEvent)>(webhooks * 3);
                    var at = e.CreatedAt;
                    for (var d = 0; d < e.Deliveries.Count; d++)
                    {
                        var planned = e.Deliveries[d];
                        var lane = Streams.Delivery(new WebhookId(planned.WebhookId), e.OrderingKey);
                        list.Add((lane, EventSerializer.ToNew(
                            new DeliveryEnqueued(planned.DeliveryId, e.EventId, planned.WebhookId, Tenant, e.Type, firstPosition + i, Ordering.Fifo, [5, 300], null, at.AddMilliseconds(4)),
                            at.AddMilliseconds(4), planned.DeliveryId)));
                        string status;
                        if (keyIndex < backlogKeys && p >= backlogFrom)
                        {
                            // The lane's first delivery of the backlog is retrying hours from now; the ones behind it wait.
                            var firstStuck = backlogFrom + ((((keyIndex - backlogFrom) % keys) + keys) % keys);
                            if (p == firstStuck)
                            {
                                list.Add((lane, EventSerializer.ToNew(
                                    new AttemptFailed(planned.DeliveryId, 1, at.AddMilliseconds(9), 10_000, null, FailureCodes.Timeout, "no answer within 10 s", null, now.AddHours(6)),
                                    at.AddSeconds(10))));
                                status = "retrying";
                            }
                            else
                            {
                                status = "pending";
                            }
                        }
                        else if (outcomeRandom.NextDouble() < 0.02)
                        {
                            for (var attempt = 1; attempt <= 3; attempt++)
                            {
                                var started = at.AddSeconds(attempt == 1 ? 0.01 : attempt == 2 ? 5 : 305);
                                DateTimeOffset? next = attempt == 1 ? started.AddSeconds(5) : attempt == 2 ? started.AddSeconds(300) : null;
                                list.Add((lane, EventSerializer.ToNew(
                                    new AttemptFailed(planned.DeliveryId, attempt, started, 120, 503, FailureCodes.HttpStatus, "receiver answered 503", "Service Unavailable", next),
                                    started.AddMilliseconds(120))));
                            }
                            list.Add((lane, EventSerializer.ToNew(new DeliveryFailed(planned.DeliveryId, FailureCodes.RetriesExhausted, at.AddSeconds(305.2)), at.AddSeconds(305.2))));
                            status = "failed";
                        }
                        else
                        {
                            var started = at.AddMilliseconds(9);
                            list.Add((lane, EventSerializer.ToNew(new AttemptSucceeded(planned.DeliveryId, 1, started, 35, 200, "{\"ok\":true}"), started.AddMilliseconds(35))));
                            list.Add((lane, EventSerializer.ToNew(new DeliveryCompleted(planned.DeliveryId, started.AddMilliseconds(35)), started.AddMilliseconds(35))));
                            status = "delivered";
                        }
                        statuses[(i * webhooks) + d] = status;
                    }
                    perEvent[i] = list;
                });
                foreach (var status in statuses)
                {
                    byStatus[status]++;
                }
                var lanes = new Dictionary<string, List<NewEvent>>(StringComparer.Ordinal);
                foreach (var (lane, e) in perEvent.SelectMany(l => l))
                {
                    if (!lanes.TryGetValue(lane, out var laneEvents))
                    {
                        lanes[lane] = laneEvents = [];
                    }
                    laneEvents.Add(e);
                }
                var appends = lanes.Select(l => new StreamAppend(l.Key, ExpectedVersion.Any, l.Value)).ToList();
                events += appends.Sum(a => a.Events.Count);
                if (writing is not null)
                {
                    await writing;
                }
                writing = store.AppendAsync(appends, cancellationToken);
            }
            if (writing is not null)
            {
                await writing;
            }
            head = await store.ReadHeadPositionAsync(cancellationToken);
        }
        return new GeneratedLedger(path, events, (long)published * webhooks, published, head, clock.Elapsed, byStatus);
    }

    private static string KeyOf(int published, int keys) => string.Create(CultureInfo.InvariantCulture, $"acct-{published % keys:D5}");

    private static string Id(string prefix, DateTimeOffset at, Random random)
    {
        Span<byte> bytes = stackalloc byte[10];
        random.NextBytes(bytes);
        return PrefixedId.Create(prefix, at, bytes);
    }
}
