using System.Diagnostics;

namespace Ledger.EventStore.Tracing;

/// <summary>
/// The <c>Ledger</c> activity source (publish, attempts, event-store calls) and the W3C <c>traceparent</c> text a
/// publish's trace context travels in, so an attempt made later, or by another instance, can link to it.
/// </summary>
public static class LedgerTracing
{
    public const string SourceName = "Ledger";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C <c>traceparent</c> of <paramref name="activity"/>, or null when there is none to keep.</summary>
    public static string? TraceParentOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id : null;

    /// <summary>The trace context a stored <c>traceparent</c> names, or null when it is absent or malformed.</summary>
    public static ActivityContext? ContextOf(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : null;

    /// <summary>
    /// A <c>traceparent</c> for a request: the activity's own when there is one, else a fresh span in the trace of
    /// <paramref name="linked"/> (or a fresh trace), not sampled — so a receiver always has an id to correlate by.
    /// </summary>
    public static string TraceParentFor(Activity? activity, ActivityContext? linked)
    {
        if (TraceParentOf(activity) is { } own)
        {
            return own;
        }
        var traceId = linked is { } context ? context.TraceId : ActivityTraceId.CreateRandom();
        return $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00";
    }
}
