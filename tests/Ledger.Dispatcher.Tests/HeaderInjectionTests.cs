using System.Text.Json;
using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.TestSupport;

namespace Ledger.Dispatcher.Tests;

/// <summary>
/// No value can end a header early: a line break would let the rest of it be read by the receiver as more headers,
/// or as a second request on the same connection. Checked at a receiver that frames the raw bytes itself.
/// </summary>
public sealed class HeaderInjectionTests
{
    public static TheoryData<string> HostileValues =>
    [
        "1\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1\r\nX: y",
        "2026\r\nX-Injected: yes",
        "2026\nX-Injected: yes",
        "2026\rX-Injected: yes",
        "2026\0X-Injected: yes",
        "2026\u0085X-Injected: yes",
    ];

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task A_header_value_that_could_split_the_request_is_never_sent(string value)
    {
        await using var receiver = RawTcpReceiver.Start();
        using var sender = Senders.Create();

        var refused = await sender.SendAsync(
            Senders.Request(new Uri(receiver.Url()), headers: [new("X-Kash-Api-Version", value)]), CancellationToken.None);
        var clean = await sender.SendAsync(
            Senders.Request(new Uri(receiver.Url()), headers: [new("X-Kash-Api-Version", "2026-04-29")]), CancellationToken.None);

        Assert.Equal(FailureCodes.InvalidRequest, refused.FailureCode);
        Assert.Null(refused.StatusCode);
        Assert.Contains("X-Kash-Api-Version", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.True(clean.Succeeded);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("POST /hook HTTP/1.1", request.RequestLine);
        Assert.Equal(["2026-04-29"], request.Values("X-Kash-Api-Version"));
        Assert.DoesNotContain("smuggled", receiver.ReceivedText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Injected", receiver.ReceivedText, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Every profile, given an event whose every text field carries a line break (as one stored before validation
    /// could): whatever ends up in a header, no receiver sees an extra header or request.
    /// </summary>
    [Fact]
    public async Task No_profile_lets_a_line_break_in_an_event_field_reach_the_receiver_as_a_header()
    {
        await using var receiver = RawTcpReceiver.Start();
        using var sender = Senders.Create();
        using var data = JsonDocument.Parse("""{"address":"erd1","note":"line\r\nX-Injected: data"}""");
        var hostile = new EnvelopeInput(
            "evt_1\r\nX-Injected: id", "trade\r\nX-Injected: type", data.RootElement.Clone(), "2026\r\nX-Injected: version",
            new Dictionary<string, string> { ["note"] = "line\r\nX-Injected: metadata" }, DateTimeOffset.UnixEpoch, "wh_1\r\nX-Injected: webhook");

        foreach (var profile in WireProfiles.All)
        {
            var wire = profile.Render(hostile, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], DateTimeOffset.UnixEpoch);
            var result = await sender.SendAsync(
                new SendRequest(new Uri(receiver.Url("/" + profile.Name)), wire.Body.ToArray(), wire.ContentType, wire.UserAgent, wire.Headers, TimeSpan.FromSeconds(10)),
                CancellationToken.None);

            Assert.True(result.Succeeded || result.FailureCode == FailureCodes.InvalidRequest, $"{profile.Name}: {result.FailureCode} {result.ErrorMessage}");
        }

        foreach (var request in receiver.Requests)
        {
            Assert.StartsWith("POST /", request.RequestLine, StringComparison.Ordinal);
            Assert.DoesNotContain(request.Headers, h => h.Key.Contains("Injected", StringComparison.OrdinalIgnoreCase));
        }
        Assert.DoesNotContain(receiver.ReceivedText.Split("\r\n"), line => line.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
    }
}
