using System.Text.Json.Serialization;

namespace Ledger.Server.Api.Contract;

/// <summary>Every failure's body (docs/rest.md): <c>{"error":{"code","message","field"}}</c>, <c>field</c> only when one is at fault.</summary>
public sealed record ErrorResponse(ErrorDetail Error)
{
    public static ErrorResponse Of(string code, string message, string? field = null) => new(new ErrorDetail(code, message, field));
}

public sealed record ErrorDetail(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field);
