using GraphQL.Types;
using Ledger.Domain;
using Ledger.Projections;

namespace Ledger.GraphQL.Schema;

/// <summary>The contract's enums; their values are the lowercase names the read models and REST use.</summary>
public sealed class DeliveryStatusType : EnumerationGraphType
{
    public DeliveryStatusType()
    {
        Name = "DeliveryStatus";
        Add("PENDING", DeliveryStatuses.Pending);
        Add("RETRYING", DeliveryStatuses.Retrying);
        Add("DELIVERED", DeliveryStatuses.Delivered);
        Add("FAILED", DeliveryStatuses.Failed);
    }
}

public sealed class CircuitStateType : EnumerationGraphType
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half_open";

    public CircuitStateType()
    {
        Name = "CircuitState";
        Add("CLOSED", Closed);
        Add("OPEN", Open);
        Add("HALF_OPEN", HalfOpen);
    }

    /// <summary>The read model's spelling (<c>half-open</c> or <c>half_open</c>) as this enum's value.</summary>
    public static string Normalize(string? state) => state?.Replace('-', '_').ToLowerInvariant() switch
    {
        Open => Open,
        HalfOpen => HalfOpen,
        _ => Closed,
    };
}

public sealed class OrderingType : EnumerationGraphType
{
    public OrderingType()
    {
        Name = "Ordering";
        Add("FIFO", Ordering.Fifo);
        Add("UNORDERED", Ordering.Unordered);
    }
}
