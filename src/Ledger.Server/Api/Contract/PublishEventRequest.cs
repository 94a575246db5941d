using System.Text.Json;
using Ledger.Application;
using Ledger.Domain;

namespace Ledger.Server.Api.Contract;

/// <summary>The body of <c>POST /v1/events</c> (docs/rest.md): <c>type</c> and <c>data</c> required, <c>id</c> makes it idempotent.</summary>
public sealed record PublishEventRequest
{
    public string? Type { get; init; }

    /// <summary>Any JSON value but null.</summary>
    public JsonElement? Data { get; init; }

    public string? Id { get; init; }

    public string? ApiVersion { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? OrderingKey { get; init; }

    public PublishRequest ToCommand()
    {
        if (Data is not { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            throw DomainException.Validation("data", "data is required");
        }
        return new PublishRequest(Type, Data, Id, ApiVersion, RequestFields.NoNullValues(Metadata, "metadata"), OrderingKey);
    }
}
