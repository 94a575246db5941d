using System.Text.Json;
using GraphQL.Types;
using Ledger.Application;
using Ledger.Domain;
using Ledger.Projections;
using Ledger.Projections.Search;

namespace Ledger.GraphQL.Schema;

public sealed class DeliveryFilterInputType : InputObjectGraphType
{
    public DeliveryFilterInputType()
    {
        Name = "DeliveryFilter";
        Field<IdGraphType>("webhookId");
        Field<StringGraphType>("eventType");
        Field<ListGraphType<NonNullGraphType<DeliveryStatusType>>>("status");
        Field<DateTimeScalar>("since");
        Field<DateTimeScalar>("until");
        Field<IdGraphType>("eventId").Description("Only the deliveries of this event.");
        Field<StringGraphType>("failureCode").Description("Only deliveries whose last failure code is this (TIMEOUT, HTTP_STATUS, …).");
        Field<HttpStatusClassType>("lastStatusClass").Description("Only deliveries whose last attempt's answer is of this class (NO_RESPONSE: it got none).");
        Field<IntGraphType>("minAttempts");
        Field<IntGraphType>("maxAttempts");
        Field<StringGraphType>("orderingKey").Description("Only deliveries of events published with this ordering key.");
        Field<StringGraphType>("eventIdPrefix");
        Field<StringGraphType>("deliveryIdPrefix");
        Field<PayloadMatchInputType>("payload")
            .Description(
                $"Only deliveries whose event data holds this value at this path. A bounded scan: each page examines at most "
                + $"{ReadModelQueries.PayloadScanLimit} deliveries (narrowed by the other filters first), so a page may hold fewer "
                + "than `first` matches and still have a next page.");
    }
}

public sealed class PayloadMatchInputType : InputObjectGraphType
{
    public PayloadMatchInputType()
    {
        Name = "PayloadMatch";
        Field<NonNullGraphType<StringGraphType>>("path").Description("Into the event's data: `user.id`, `items[0].sku` (a leading `$.` is allowed).");
        Field<NonNullGraphType<JsonScalar>>("equals").Description("The JSON value it must equal.");
    }
}

public sealed class HttpStatusClassType : EnumerationGraphType
{
    public HttpStatusClassType()
    {
        Name = "HttpStatusClass";
        Add("STATUS_2XX", StatusClasses.Status2xx);
        Add("STATUS_3XX", StatusClasses.Status3xx);
        Add("STATUS_4XX", StatusClasses.Status4xx);
        Add("STATUS_5XX", StatusClasses.Status5xx);
        Add("NO_RESPONSE", StatusClasses.NoResponse);
    }
}

public sealed class PublishEventInputType : InputObjectGraphType
{
    public PublishEventInputType()
    {
        Name = "PublishEventInput";
        Field<NonNullGraphType<StringGraphType>>("type");
        Field<NonNullGraphType<JsonScalar>>("data");
        Field<IdGraphType>("id").Description("The idempotency key: publishing the same id again creates no second event.");
        Field<StringGraphType>("apiVersion");
        Field<JsonScalar>("metadata").Description("At most 10 keys of [a-zA-Z0-9_\\-.]{1,64} with string values of at most 500 characters.");
        Field<StringGraphType>("orderingKey");
    }
}

public sealed class WebhookFiltersInputType : InputObjectGraphType
{
    public WebhookFiltersInputType()
    {
        Name = "WebhookFiltersInput";
        Field<StringGraphType>("address");
        Field<StringGraphType>("identifier");
        Field<StringGraphType>("topic");
    }
}

public sealed class CreateWebhookInputType : InputObjectGraphType
{
    public CreateWebhookInputType()
    {
        Name = "CreateWebhookInput";
        Field<NonNullGraphType<StringGraphType>>("url");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("events");
        Field<StringGraphType>("description");
        Field<StringGraphType>("profile");
        Field<StringGraphType>("secret");
        Field<BooleanGraphType>("active");
        Field<OrderingType>("ordering");
        Field<ListGraphType<NonNullGraphType<IntGraphType>>>("retrySchedule");
        Field<IntGraphType>("maxAttemptAgeSeconds");
        Field<IntGraphType>("rateLimitPerMinute");
        Field<IntGraphType>("disableAfterConsecutiveFailures");
        Field<WebhookFiltersInputType>("filters");
        Field<JsonScalar>("metadata").Description("At most 10 keys with string values, as for events.");
    }
}

public sealed class UpdateWebhookInputType : InputObjectGraphType
{
    public UpdateWebhookInputType()
    {
        Name = "UpdateWebhookInput";
        Field<StringGraphType>("url");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("events");
        Field<StringGraphType>("description");
        Field<BooleanGraphType>("active");
        Field<OrderingType>("ordering");
        Field<ListGraphType<NonNullGraphType<IntGraphType>>>("retrySchedule");
        Field<IntGraphType>("maxAttemptAgeSeconds");
        Field<IntGraphType>("rateLimitPerMinute");
        Field<IntGraphType>("disableAfterConsecutiveFailures");
        Field<WebhookFiltersInputType>("filters");
        Field<JsonScalar>("metadata");
    }
}

/// <summary>Input objects (dictionaries after parsing) as the commands' requests, with the REST API's validation.</summary>
internal static class InputMapping
{
    public static DeliveryFilter Filter(IDictionary<string, object?>? input, string? webhookId = null) => new(
        WebhookId: webhookId ?? Get<string>(input, "webhookId"),
        EventType: Get<string>(input, "eventType"),
        Statuses: Get<IEnumerable<object?>>(input, "status")?.Select(s => (string)s!).ToList(),
        Since: Get<DateTimeOffset?>(input, "since"),
        Until: Get<DateTimeOffset?>(input, "until"),
        EventId: Get<string>(input, "eventId"),
        FailureCode: Get<string>(input, "failureCode"),
        StatusClass: Get<string>(input, "lastStatusClass"),
        MinAttempts: Get<int?>(input, "minAttempts"),
        MaxAttempts: Get<int?>(input, "maxAttempts"),
        OrderingKey: Get<string>(input, "orderingKey"),
        EventIdPrefix: Get<string>(input, "eventIdPrefix"),
        DeliveryIdPrefix: Get<string>(input, "deliveryIdPrefix"),
        PayloadPath: Get<IDictionary<string, object?>>(input, "payload") is { } payload ? Get<string>(payload, "path") : null,
        PayloadEquals: Get<IDictionary<string, object?>>(input, "payload") is { } match ? Get<JsonElement?>(match, "equals") : null);

    public static PublishRequest Publish(IDictionary<string, object?> input) => new(
        Get<string>(input, "type"),
        Get<JsonElement?>(input, "data"),
        Get<string>(input, "id"),
        Get<string>(input, "apiVersion"),
        StringMap(input, "metadata"),
        Get<string>(input, "orderingKey"));

    public static WebhookSettings Webhook(IDictionary<string, object?> input) => new(
        Url: Get<string>(input, "url"),
        Events: Get<IEnumerable<object?>>(input, "events")?.Select(e => (string)e!).ToList(),
        Description: Get<string>(input, "description"),
        Profile: Get<string>(input, "profile"),
        Secret: Get<string>(input, "secret"),
        Active: Get<bool?>(input, "active"),
        Ordering: Get<string>(input, "ordering"),
        RetrySchedule: Get<IEnumerable<object?>>(input, "retrySchedule")?.Select(d => (int)d!).ToList(),
        MaxAttemptAgeSeconds: Get<int?>(input, "maxAttemptAgeSeconds"),
        RateLimitPerMinute: Get<int?>(input, "rateLimitPerMinute"),
        Filters: Filters(Get<IDictionary<string, object?>>(input, "filters")),
        Metadata: StringMap(input, "metadata"),
        DisableAfterConsecutiveFailures: Get<int?>(input, "disableAfterConsecutiveFailures"));

    private static WebhookFilters? Filters(IDictionary<string, object?>? input) =>
        input is null ? null : new WebhookFilters(FilterValue(input, "address"), FilterValue(input, "identifier"), FilterValue(input, "topic"));

    private static string? FilterValue(IDictionary<string, object?> input, string name) => Get<string>(input, name) switch
    {
        null or "" => null,
        { Length: > 256 } => throw DomainException.Validation($"filters.{name}", $"filters.{name} must be at most 256 characters"),
        var text => text,
    };

    private static Dictionary<string, string>? StringMap(IDictionary<string, object?> input, string name)
    {
        if (Get<JsonElement?>(input, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw DomainException.Validation(name, $"{name} must be an object of string values");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw DomainException.Validation(name, $"{name}.{property.Name} must be a string");
        }
        return map;
    }

    private static T? Get<T>(IDictionary<string, object?>? input, string name) =>
        input is not null && input.TryGetValue(name, out var value) && value is T typed ? typed : default;
}
