using Ledger.Projections;

namespace Ledger.Application.Exports;

/// <summary>One row of the deliveries export: the delivery and its event's ordering key.</summary>
public sealed record DeliveryExportRow(DeliveryView Delivery, string? OrderingKey);

/// <summary>One row of the attempts export: the attempt and the delivery it belongs to.</summary>
public sealed record AttemptExportRow(DeliveryView Delivery, string? OrderingKey, AttemptView Attempt);
