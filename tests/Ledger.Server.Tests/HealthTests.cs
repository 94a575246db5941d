using System.Net;
using Ledger.EventStore;

namespace Ledger.Server.Tests;

/// <summary>Liveness never depends on storage; readiness and <c>/healthz</c> turn 503 while storage is unreachable.</summary>
public sealed class HealthTests(InProcessServer server) : IClassFixture<InProcessServer>
{
    private async Task<(HttpStatusCode Live, HttpStatusCode Ready, HttpStatusCode Healthz)> ProbeAsync()
    {
        using var client = server.Client();
        return ((await client.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode,
            (await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode,
            (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Ready_turns_503_during_a_storage_outage_while_live_stays_200()
    {
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), await ProbeAsync());

        server.Store.Fault = new EventStoreUnavailableException("connection refused");
        try
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable), await ProbeAsync());
        }
        finally
        {
            server.Store.Fault = null;
        }

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), await ProbeAsync());
    }
}
