using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// A receiver's behaviour for FIFO tests: it answers each request after 0–20 ms and fails 30 % of them, at random
/// from a fixed seed, and records every request that arrives while another of its ordering key (the event's
/// <c>data.key</c>) is still in flight.
/// </summary>
public sealed class FlakyKeyedReceiver(int seed)
{
    private readonly Random _random = new(seed);
    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    public ConcurrentQueue<string> Overlaps { get; } = new();

    /// <summary>Called with each request as it arrives, before it is answered.</summary>
    public Action<ReceivedRequest>? OnRequest { get; init; }

    public static string KeyOf(ReceivedRequest request) =>
        JsonDocument.Parse(request.Body).RootElement.GetProperty("data").GetProperty("key").GetString()!;

    public static string EventIdOf(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement.GetProperty("id").GetString()!;

    public async Task<IResult> HandleAsync(ReceivedRequest request)
    {
        var key = KeyOf(request);
        if (_inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
        {
            Overlaps.Enqueue($"{key}: {EventIdOf(request)} arrived while another request of the key was in flight");
        }
        OnRequest?.Invoke(request);
        int latency;
        bool fail;
        lock (_random)
        {
            latency = _random.Next(0, 20);
            fail = _random.NextDouble() < 0.3;
        }
        // The receiver's own latency, not a wait for the system under test.
        await Task.Delay(latency);
        _inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
        return fail ? Results.StatusCode(500) : Results.Ok();
    }
}
