using Ledger.EventStore;

namespace Ledger.Server.Tests;

/// <summary>Failures the client cannot cause still answer the contract's error body: INTERNAL (500) and UNAVAILABLE (503).</summary>
public sealed class FailureAnswerTests(InProcessServer server) : IClassFixture<InProcessServer>
{
    private async Task<(int Status, string Code, string Message, string? RetryAfter)> ReadStreamFailingWithAsync(Exception fault)
    {
        using var client = server.Client();
        server.Store.Fault = fault;
        try
        {
            var response = await client.GetAsync(new Uri("/v1/ledger/streams/tenant-default", UriKind.Relative));
            var error = (await response.JsonAsync((int)response.StatusCode)).GetProperty("error");
            return ((int)response.StatusCode, error.GetProperty("code").GetString()!, error.GetProperty("message").GetString()!,
                response.Headers.RetryAfter?.ToString());
        }
        finally
        {
            server.Store.Fault = null;
        }
    }

    [Fact]
    public async Task An_unexpected_exception_answers_500_INTERNAL_without_its_details()
    {
        var (status, code, message, _) = await ReadStreamFailingWithAsync(new InvalidOperationException("secret internals: /var/lib/x"));

        Assert.Equal((500, "INTERNAL"), (status, code));
        Assert.DoesNotContain("secret internals", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_storage_answers_503_UNAVAILABLE_with_retry_after()
    {
        var (status, code, _, retryAfter) = await ReadStreamFailingWithAsync(new EventStoreUnavailableException("connection refused"));

        Assert.Equal((503, "UNAVAILABLE", "1"), (status, code, retryAfter));
    }

    [Fact]
    public async Task Read_models_that_do_not_catch_up_in_time_answer_503_UNAVAILABLE_not_an_empty_500()
    {
        var (status, code, message, _) = await ReadStreamFailingWithAsync(new TimeoutException());

        Assert.Equal((503, "UNAVAILABLE"), (status, code));
        Assert.Contains("caught up", message, StringComparison.Ordinal);
    }
}
