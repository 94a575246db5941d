using System.Text.Json;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// A breaker's history from its <c>webhook-{id}</c> stream beside what a receiver got, for the checks that the
/// breaker tests share: one probe per cool-down, nothing sent while open, one pause per opening on a lane.
/// </summary>
public sealed class BreakerTimeline(IReadOnlyList<LedgerEntry> transitions, IReadOnlyList<ReceivedRequest> requests)
{
    public const string Opened = "webhook.circuit-opened.v1";
    public const string HalfOpened = "webhook.circuit-half-opened.v1";
    public const string Closed = "webhook.circuit-closed.v1";

    public IReadOnlyList<LedgerEntry> Openings => [.. transitions.Where(t => t.Type == Opened)];

    public IReadOnlyList<LedgerEntry> Probes => [.. transitions.Where(t => t.Type == HalfOpened)];

    /// <summary>Opened, half-opened, opened, … closed: each opening is followed by exactly one probe, then by a re-opening or the close.</summary>
    public void AssertAlternates()
    {
        for (var i = 0; i < transitions.Count; i++)
        {
            var previous = i == 0 ? Closed : transitions[i - 1].Type;
            var allowed = previous switch
            {
                Opened => new[] { HalfOpened, Closed },
                HalfOpened => [Opened, Closed],
                _ => [Opened],
            };
            Assert.True(allowed.Contains(transitions[i].Type), $"transition {i} is {transitions[i].Type} after {previous}");
        }
    }

    /// <summary>
    /// Between a probe's half-opening and what followed it (a re-opening, or the close), the receiver got exactly one
    /// request: the probe. From the <paramref name="fromOpening"/>-th opening on (0-based), nothing reached it between
    /// the opening and its probe.
    /// </summary>
    public void AssertOneProbePerCooldown(int fromOpening)
    {
        for (var i = 0; i < transitions.Count; i++)
        {
            var t = transitions[i];
            var next = i + 1 < transitions.Count ? transitions[i + 1] : null;
            if (next is null)
            {
                break;
            }
            var (from, to) = (At(t), At(next));
            var between = requests.Count(r => r.At > from && r.At <= to);
            if (t.Type == HalfOpened)
            {
                Assert.True(between == 1, $"{between} requests reached the receiver during probe {i} ({from:O} → {to:O}); exactly one probe was expected");
            }
            else if (t.Type == Opened && Openings.ToList().FindIndex(o => o.Version == t.Version) >= fromOpening)
            {
                Assert.True(between == 0, $"{between} requests reached the receiver while the breaker was open ({from:O} → {to:O})");
            }
        }
    }

    /// <summary>The lane's pause events: one per opening at most, each for an opening of this breaker.</summary>
    public void AssertPausesOncePerOpening(IReadOnlyList<LedgerEntry> lane)
    {
        var pauses = lane.Where(e => e.Type == "delivery.paused.v1").ToList();
        Assert.NotEmpty(pauses);
        var openedAt = Openings.Select(o => o.Time("openedAt")).ToHashSet();
        Assert.All(pauses, p => Assert.Equal("CIRCUIT_OPEN", p.Data.GetProperty("reason").GetString()));
        Assert.All(pauses, p => Assert.Contains(p.Time("openedAt"), openedAt));
        Assert.Equal(pauses.Count, pauses.Select(p => (p.Data.GetProperty("deliveryId").GetString(), p.Time("openedAt"))).Distinct().Count());
    }

    private static DateTimeOffset At(LedgerEntry t) => t.Type switch
    {
        Opened => t.Time("openedAt"),
        HalfOpened => t.Time("halfOpenedAt"),
        _ => t.Time("closedAt"),
    };

    public static string EventIdOf(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement.GetProperty("id").GetString()!;
}
