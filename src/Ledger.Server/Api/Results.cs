using Ledger.Server.Api.Contract;

namespace Ledger.Server.Api;

/// <summary>Answers in the contract's types, serialized by <see cref="ApiJsonContext"/>.</summary>
public static class Answer
{
    public static IResult Json<T>(T body, int status = StatusCodes.Status200OK) => Results.Json(body, ApiJson.TypeInfo<T>(), statusCode: status);

    /// <summary>OpenAPI: the error bodies every <c>/v1</c> route can answer with.</summary>
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), ["application/json"]));
        }
        return builder;
    }
}
