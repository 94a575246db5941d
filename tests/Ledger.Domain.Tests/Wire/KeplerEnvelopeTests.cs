using System.Text;
using Ledger.Domain.Wire;

namespace Ledger.Domain.Tests.Wire;

public sealed class KeplerEnvelopeTests
{
    [Fact]
    public void Body_is_seed_003s_envelope_built_from_the_event_data_with_the_events_own_time()
    {
        var e = WireFixtures.Event("""
            {"txHash":"2151f1","identifier":"distribute","address":"erd1qqq","topics":["ZGlzdHJpYnV0ZWQ=","Q09MUy05ZDkxYjc="],"data":"","extra":1}
            """);

        var body = Encoding.UTF8.GetString(KeplerEnvelope.RenderBody(e));

        Assert.Equal(
            "{\"event\":{\"address\":\"erd1qqq\",\"identifier\":\"distribute\",\"topics\":[\"ZGlzdHJpYnV0ZWQ=\",\"Q09MUy05ZDkxYjc=\"],\"data\":\"\",\"txHash\":\"2151f1\"},"
            + $"\"timestamp\":{WireFixtures.CreatedAt.ToUnixTimeSeconds()},\"webhook\":\"wh_01hx\"}}",
            body);
    }

    [Fact]
    public void Missing_event_fields_are_written_empty_so_receivers_always_find_them()
    {
        var body = Encoding.UTF8.GetString(KeplerEnvelope.RenderBody(WireFixtures.Event("""{"identifier":"transfer","address":null}""")));

        Assert.StartsWith("{\"event\":{\"address\":\"\",\"identifier\":\"transfer\",\"topics\":[],\"data\":\"\",\"txHash\":\"\"}", body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_previous_keys_signature_goes_in_its_own_header_during_an_overlap()
    {
        var e = WireFixtures.Event();

        var one = KeplerEnvelope.Headers(e, ["aa"]);
        var two = KeplerEnvelope.Headers(e, ["aa", "bb"]);

        Assert.Equal("aa", WireFixtures.Header(one, "X-Signature"));
        Assert.DoesNotContain(one, h => h.Key == "X-Signature-Previous");
        Assert.Equal("bb", WireFixtures.Header(two, "X-Signature-Previous"));
        Assert.Equal(e.EventId, WireFixtures.Header(two, "X-Event-Id"));
        Assert.Throws<ArgumentException>(() => KeplerEnvelope.Headers(e, []));
    }
}
