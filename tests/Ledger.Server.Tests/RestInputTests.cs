using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Ledger.Server.Tests;

/// <summary>Inputs that used to get a 500 or a body-less 400 now get the contract's error body, and change nothing.</summary>
public sealed class RestInputTests(RealServer fixture) : IClassFixture<RealServer>
{
    private readonly HttpClient _client = fixture.Server.Client();

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status)
    {
        var error = (await response.JsonAsync(status)).GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }

    private async Task<int> LedgerLengthAsync()
    {
        var response = await _client.GetAsync(new Uri("/v1/ledger/streams/tenant-default?limit=10000", UriKind.Relative));
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? 0 : (await response.JsonAsync(200)).GetProperty("data").GetArrayLength();
    }

    [Theory]
    [InlineData("/v1/webhooks?limit=abc", "limit")]
    [InlineData("/v1/webhooks?limit=1.5", "limit")]
    [InlineData("/v1/webhooks?limit=99999999999", "limit")]
    [InlineData("/v1/webhooks/events?limit=-", "limit")]
    [InlineData("/v1/webhooks?cursor=not-a-cursor", "cursor")]
    [InlineData("/v1/webhooks/events?status=sideways", "status")]
    [InlineData("/v1/ledger/streams/tenant-default?fromVersion=99999999999999999999999", "fromVersion")]
    [InlineData("/v1/ledger/streams/tenant-default?limit=1e3", "limit")]
    public async Task Unparseable_query_values_answer_400_naming_the_parameter(string path, string field)
    {
        var error = await ErrorAsync(await _client.GetAsync(new Uri(path, UriKind.Relative)), 400);

        Assert.Equal(("VALIDATION_FAILED", field), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
    }

    [Theory]
    [InlineData("/v1/events", """{"type":"a","data":{"s":"\ud800"}}""", "data")]
    [InlineData("/v1/events", """{"type":"\ud800","data":{}}""", "type")]
    [InlineData("/v1/events", """{"type":"a","data":["x","\udfff\ud800"]}""", "data")]
    [InlineData("/v1/events", """{"type":"a","data":{"\ud800":1}}""", "data")]
    [InlineData("/v1/webhooks", """{"url":"http://127.0.0.1:9/s","description":"\ud800"}""", "description")]
    [InlineData("/v1/webhooks", """{"url":"http://127.0.0.1:9/s","metadata":{"k":"\udc00"}}""", "metadata")]
    public async Task A_lone_surrogate_escape_answers_400_and_stores_nothing(string path, string body, string field)
    {
        var before = await LedgerLengthAsync();

        var error = await ErrorAsync(await _client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json")), 400);

        Assert.Equal(("VALIDATION_FAILED", field), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Equal(before, await LedgerLengthAsync());
    }

    [Fact]
    public async Task A_lone_surrogate_in_graphql_variables_answers_400_with_a_body()
    {
        const string body = """{"query":"mutation($t: String!) { publishEvent(input: { type: $t, data: {} }) { event { id } } }","variables":{"t":"\ud800"}}""";
        var before = await LedgerLengthAsync();

        var response = await _client.PostAsync(new Uri("/graphql", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.JsonAsync(400);

        Assert.Contains("surrogate", answer.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await LedgerLengthAsync());
    }

    [Theory]
    [InlineData("/v1/webhooks")]
    [InlineData("/graphql")]
    public async Task Different_keys_in_authorization_and_x_api_key_are_refused(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LedgerServer.ApiKey);
        request.Headers.Add("X-API-Key", LedgerServer.OtherTenantKey);
        if (path == "/graphql")
        {
            request.Method = HttpMethod.Post;
            request.Content = new StringContent("""{"query":"{ __typename }"}""", Encoding.UTF8, "application/json");
        }

        var error = await ErrorAsync(await _client.SendAsync(request), 400);

        Assert.Equal(("VALIDATION_FAILED", "authorization"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task The_same_key_in_both_headers_is_accepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/webhooks", UriKind.Relative));
        request.Headers.Add("X-API-Key", LedgerServer.ApiKey);

        await (await _client.SendAsync(request)).JsonAsync(200);
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_answer_with_the_error_body()
    {
        Assert.Equal("NOT_FOUND", (await ErrorAsync(await _client.GetAsync(new Uri("/v1/nothing-here", UriKind.Relative)), 404)).GetProperty("code").GetString());
        Assert.Equal("METHOD_NOT_ALLOWED", (await ErrorAsync(await _client.PutAsync(new Uri("/v1/events", UriKind.Relative), null), 405)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Clients_that_abort_their_body_are_not_logged_as_failures()
    {
        for (var i = 0; i < 20; i++)
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.BaseAddress.Port);
            var stream = socket.GetStream();
            var head = $"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {LedgerServer.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"type\":\"a\",";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.FlushAsync();
            socket.Client.Shutdown(SocketShutdown.Send);
            // The server answers (or closes) once it has seen the body end early: that is the signal it is done with it.
            await DrainAsync(stream);
        }

        await (await _client.GetAsync(new Uri("/v1/webhooks", UriKind.Relative))).JsonAsync(200);
        var output = fixture.Server.Output;
        Assert.False(output.Contains("fail:", StringComparison.Ordinal) || output.Contains("Exception", StringComparison.Ordinal), output);
    }

    private static async Task DrainAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset by the server: it is done with the connection as well.
        }
    }
}
