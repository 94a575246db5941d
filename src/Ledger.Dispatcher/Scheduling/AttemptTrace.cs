using System.Diagnostics;
using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.EventStore.Tracing;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// The span of one attempt: a client span that starts its own trace and links to its publish (whose context the
/// <see cref="EventPublished"/> event carries), so it reads the same whichever instance sends it, and when.
/// </summary>
internal static class AttemptTrace
{
    public static Activity? Start(LaneDelivery delivery, WebhookState webhook, EventPublished published)
    {
        // An attempt is a trace of its own, whatever the dispatcher's loop happens to be inside of.
        Activity.Current = null;
        var publish = LedgerTracing.ContextOf(published.TraceParent);
        ActivityLink[]? links = publish is { } context ? [new ActivityLink(context)] : null;
        var activity = LedgerTracing.Source.StartActivity("ledger.attempt", ActivityKind.Client, default(ActivityContext), links: links);
        if (activity is not null)
        {
            activity.SetTag("ledger.event.id", published.EventId);
            activity.SetTag("ledger.event.type", published.Type);
            activity.SetTag("ledger.delivery.id", delivery.DeliveryId);
            activity.SetTag("ledger.webhook.id", webhook.WebhookId);
            activity.SetTag("ledger.attempt", delivery.Attempts + 1);
            activity.SetTag("ledger.profile", webhook.Profile);
        }
        return activity;
    }

    /// <summary>The <c>traceparent</c> header the receiver gets: the attempt span's (docs/observability.md).</summary>
    public static string TraceParent(Activity? attempt, EventPublished published) =>
        LedgerTracing.TraceParentFor(attempt, LedgerTracing.ContextOf(published.TraceParent));

    public static void Finish(Activity? attempt, SendResult result)
    {
        if (attempt is null)
        {
            return;
        }
        if (result.StatusCode is { } status)
        {
            attempt.SetTag("http.response.status_code", status);
        }
        if (result.FailureCode is { } failure)
        {
            attempt.SetTag("error.type", failure);
            attempt.SetStatus(ActivityStatusCode.Error, failure);
        }
    }
}
