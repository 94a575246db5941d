using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections;

/// <summary>The tenant a stream belongs to, for events that do not carry it.</summary>
internal static class StreamTenant
{
    public static string? Of(string streamId) =>
        streamId.StartsWith(Streams.TenantPrefix, StringComparison.Ordinal) ? streamId[Streams.TenantPrefix.Length..] : null;

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, EventSerializer.Options);

    public static string? JsonOrNull<T>(T? value) => value is null ? null : JsonSerializer.Serialize(value, EventSerializer.Options);
}

/// <summary>Webhooks as configured, one row each (secrets included: the registry signs with them; the API never shows them).</summary>
public sealed class WebhooksProjection : IProjection
{
    public string Name => "webhooks";

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        switch (e)
        {
            case WebhookRegistered x:
                sql.Execute(
                    """
                    INSERT INTO webhooks (id, tenant_id, url, events, description, profile, secret, active, ordering, retry_schedule,
                        max_attempt_age_seconds, rate_limit_per_minute, filters, metadata, circuit_state, created_at, updated_at, deleted)
                    VALUES (@id, @tenant, @url, @events, @description, @profile, @secret, @active, @ordering, @schedule,
                        @maxAge, @rate, @filters, @metadata, 'closed', @at, @at, 0)
                    ON CONFLICT (id) DO NOTHING
                    """,
                    ("@id", x.WebhookId), ("@tenant", StreamTenant.Of(stored.StreamId)), ("@url", x.Url), ("@events", StreamTenant.Json(x.Events)),
                    ("@description", x.Description), ("@profile", x.Profile), ("@secret", x.Secret), ("@active", x.Active ? 1 : 0),
                    ("@ordering", x.Ordering), ("@schedule", StreamTenant.JsonOrNull(x.RetrySchedule)), ("@maxAge", x.MaxAttemptAgeSeconds),
                    ("@rate", x.RateLimitPerMinute), ("@filters", StreamTenant.JsonOrNull(x.Filters)), ("@metadata", StreamTenant.JsonOrNull(x.Metadata)),
                    ("@at", Micros.From(x.CreatedAt)));
                if (!x.Active)
                {
                    sql.Execute("UPDATE webhooks SET disabled_reason = @reason WHERE id = @id", ("@reason", PolicyReasons.Manual), ("@id", x.WebhookId));
                }
                SetDisableAfter(sql, x.WebhookId, x.DisableAfterConsecutiveFailures);
                break;
            case WebhookUpdated x:
                sql.Execute(
                    """
                    UPDATE webhooks SET url = @url, events = @events, description = @description, active = @active, ordering = @ordering,
                        retry_schedule = @schedule, max_attempt_age_seconds = @maxAge, rate_limit_per_minute = @rate, filters = @filters,
                        metadata = @metadata, updated_at = @at,
                        disabled_reason = CASE WHEN @active = 1 THEN NULL WHEN active = 1 THEN 'MANUAL' ELSE disabled_reason END
                    WHERE id = @id
                    """,
                    ("@url", x.Url), ("@events", StreamTenant.Json(x.Events)), ("@description", x.Description), ("@active", x.Active ? 1 : 0),
                    ("@ordering", x.Ordering), ("@schedule", StreamTenant.JsonOrNull(x.RetrySchedule)), ("@maxAge", x.MaxAttemptAgeSeconds),
                    ("@rate", x.RateLimitPerMinute), ("@filters", StreamTenant.JsonOrNull(x.Filters)), ("@metadata", StreamTenant.JsonOrNull(x.Metadata)),
                    ("@at", Micros.From(x.UpdatedAt)), ("@id", x.WebhookId));
                SetDisableAfter(sql, x.WebhookId, x.DisableAfterConsecutiveFailures);
                break;
            case CircuitOpened x:
                SetCircuit(sql, x.WebhookId, "open", x.OpenedAt, x.ProbeAt);
                break;
            case CircuitHalfOpened x:
                sql.Execute("UPDATE webhooks SET circuit_state = 'half_open' WHERE id = @id", ("@id", x.WebhookId));
                sql.Execute("UPDATE webhook_policies SET next_probe_at = @at WHERE webhook_id = @id", ("@at", Micros.From(x.HalfOpenedAt)), ("@id", x.WebhookId));
                break;
            case CircuitClosed x:
                SetCircuit(sql, x.WebhookId, "closed", null, null);
                break;
            case WebhookDisabled x:
                sql.Execute(
                    "UPDATE webhooks SET active = 0, disabled_reason = @reason, updated_at = @at WHERE id = @id AND deleted = 0",
                    ("@reason", x.Reason), ("@at", Micros.From(x.DisabledAt)), ("@id", x.WebhookId));
                break;
            case WebhookDeleted x:
                sql.Execute("UPDATE webhooks SET deleted = 1, active = 0, updated_at = @at WHERE id = @id", ("@at", Micros.From(x.DeletedAt)), ("@id", x.WebhookId));
                break;
            case SecretRotated x:
                sql.Execute(
                    """
                    UPDATE webhooks SET previous_secret = CASE WHEN CAST(@expires AS BIGINT) IS NULL THEN NULL ELSE secret END,
                        previous_secret_expires_at = @expires, secret = @secret, updated_at = @at WHERE id = @id
                    """,
                    ("@expires", Micros.From(x.PreviousExpiresAt)), ("@secret", x.Secret), ("@at", Micros.From(x.RotatedAt)), ("@id", x.WebhookId));
                break;
        }
    }

    private static void SetDisableAfter(SqlSession sql, string webhookId, int? disableAfter) =>
        sql.Execute(
            """
            INSERT INTO webhook_policies (webhook_id, disable_after_failures) VALUES (@id, @n)
            ON CONFLICT (webhook_id) DO UPDATE SET disable_after_failures = @n
            """,
            ("@id", webhookId), ("@n", disableAfter));

    private static void SetCircuit(SqlSession sql, string webhookId, string state, DateTimeOffset? openedAt, DateTimeOffset? nextProbeAt)
    {
        sql.Execute("UPDATE webhooks SET circuit_state = @state WHERE id = @id", ("@state", state), ("@id", webhookId));
        sql.Execute(
            """
            INSERT INTO webhook_policies (webhook_id, circuit_opened_at, next_probe_at) VALUES (@id, @opened, @probe)
            ON CONFLICT (webhook_id) DO UPDATE SET circuit_opened_at = @opened, next_probe_at = @probe
            """,
            ("@id", webhookId), ("@opened", Micros.From(openedAt)), ("@probe", Micros.From(nextProbeAt)));
    }
}

/// <summary>Published events, by tenant and id.</summary>
public sealed class EventsProjection : IProjection
{
    public string Name => "events";

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        if (e is not EventPublished x)
        {
            return;
        }
        sql.Execute(
            """
            INSERT INTO events (tenant_id, id, type, api_version, created_at, data, metadata, ordering_key, position)
            VALUES (@tenant, @id, @type, @apiVersion, @at, @data, @metadata, @key, @position)
            ON CONFLICT (tenant_id, id) DO NOTHING
            """,
            ("@tenant", StreamTenant.Of(stored.StreamId)), ("@id", x.EventId), ("@type", x.Type), ("@apiVersion", x.ApiVersion),
            ("@at", Micros.From(x.CreatedAt)), ("@data", x.Data.GetRawText()), ("@metadata", StreamTenant.JsonOrNull(x.Metadata)),
            ("@key", x.OrderingKey), ("@position", stored.Position));
    }
}

/// <summary>
/// The inspection view of docs/rest.md (deliveries and their attempts) and the dispatcher's work index (lanes with
/// unsettled deliveries). A delivery row exists from the publish on, so the publisher's answer can be looked up at once.
/// </summary>
public sealed class DeliveriesProjection : IProjection
{
    public string Name => "deliveries";

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        switch (e)
        {
            case EventPublished x:
                foreach (var planned in x.Deliveries)
                {
                    sql.Execute(
                        """
                        INSERT INTO deliveries (id, tenant_id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, created_at)
                        VALUES (@id, @tenant, @webhook, @event, @type, 'pending', 0, @at, @at)
                        ON CONFLICT (id) DO NOTHING
                        """,
                        ("@id", planned.DeliveryId), ("@tenant", StreamTenant.Of(stored.StreamId)), ("@webhook", planned.WebhookId),
                        ("@event", x.EventId), ("@type", x.Type), ("@at", Micros.From(x.CreatedAt)));
                }
                break;
            case DeliveryEnqueued x:
                sql.Execute(
                    """
                    INSERT INTO deliveries (id, tenant_id, webhook_id, event_id, event_type, stream_id, status, attempts, next_attempt_at, created_at)
                    VALUES (@id, @tenant, @webhook, @event, @type, @stream, 'pending', 0, @at, @at)
                    ON CONFLICT (id) DO UPDATE SET stream_id = @stream
                    """,
                    ("@id", x.DeliveryId), ("@tenant", x.TenantId), ("@webhook", x.WebhookId), ("@event", x.EventId), ("@type", x.EventType),
                    ("@stream", stored.StreamId), ("@at", Micros.From(x.EnqueuedAt)));
                ChangeLane(sql, stored.StreamId, x.WebhookId, x.TenantId, +1);
                break;
            case AttemptSucceeded x:
                InsertAttempt(sql, x.DeliveryId, x.AttemptNumber, x.StartedAt, x.DurationMs, x.StatusCode, null, null, x.ResponseBody);
                sql.Execute(
                    """
                    UPDATE deliveries SET attempts = @n, last_attempted_at = @at, last_status_code = @code, last_failure_code = NULL,
                        last_error_message = NULL, latency_ms = @duration WHERE id = @id
                    """,
                    ("@n", x.AttemptNumber), ("@at", Micros.From(x.StartedAt)), ("@code", x.StatusCode), ("@duration", x.DurationMs), ("@id", x.DeliveryId));
                break;
            case AttemptFailed x:
                InsertAttempt(sql, x.DeliveryId, x.AttemptNumber, x.StartedAt, x.DurationMs, x.StatusCode, x.FailureCode, x.ErrorMessage, x.ResponseBody);
                sql.Execute(
                    """
                    UPDATE deliveries SET attempts = @n, last_attempted_at = @at, last_status_code = @code, last_failure_code = @failure,
                        last_error_message = @message, status = 'retrying', next_attempt_at = @next, latency_ms = @duration WHERE id = @id
                    """,
                    ("@n", x.AttemptNumber), ("@at", Micros.From(x.StartedAt)), ("@code", x.StatusCode), ("@failure", x.FailureCode),
                    ("@message", x.ErrorMessage), ("@next", Micros.From(x.NextAttemptAt)), ("@duration", x.DurationMs), ("@id", x.DeliveryId));
                break;
            case DeliveryCompleted x:
                sql.Execute(
                    "UPDATE deliveries SET status = 'delivered', delivered_at = @at, next_attempt_at = NULL WHERE id = @id",
                    ("@at", Micros.From(x.DeliveredAt)), ("@id", x.DeliveryId));
                ChangeLane(sql, stored.StreamId, null, null, -1);
                break;
            case DeliveryFailed x:
                sql.Execute(
                    """
                    UPDATE deliveries SET status = 'failed', terminal_failure_at = @at, next_attempt_at = NULL,
                        last_failure_code = CASE WHEN @reason = 'EXPIRED' THEN 'EXPIRED' ELSE last_failure_code END,
                        last_error_message = CASE WHEN @reason = 'EXPIRED' THEN 'the delivery outlived its maximum age' ELSE last_error_message END
                    WHERE id = @id
                    """,
                    ("@at", Micros.From(x.FailedAt)), ("@reason", x.Reason), ("@id", x.DeliveryId));
                ChangeLane(sql, stored.StreamId, null, null, -1);
                break;
            case DeliveryPaused x:
                sql.Execute(
                    """
                    UPDATE deliveries SET last_failure_code = @code, next_attempt_at = @resume,
                        last_error_message = 'the webhook''s circuit breaker is open; deliveries resume after a successful probe'
                    WHERE id = @id
                    """,
                    ("@code", x.Reason), ("@resume", Micros.From(x.ResumeAt)), ("@id", x.DeliveryId));
                break;
            case RedeliveryRequested x:
                sql.Execute(
                    """
                    UPDATE deliveries SET status = 'pending', next_attempt_at = @at, terminal_failure_at = NULL, delivered_at = NULL
                    WHERE id = @id
                    """,
                    ("@at", Micros.From(x.RequestedAt)), ("@id", x.DeliveryId));
                ChangeLane(sql, stored.StreamId, null, null, +1);
                break;
        }
    }

    private static void InsertAttempt(SqlSession sql, string deliveryId, int number, DateTimeOffset startedAt, int durationMs, int? statusCode, string? failureCode, string? errorMessage, string? responseBody) =>
        sql.Execute(
            """
            INSERT INTO attempts (delivery_id, number, tenant_id, started_at, duration_ms, status_code, failure_code, error_message, response_body)
            SELECT @id, @n, tenant_id, @at, @duration, @code, @failure, @message, @body FROM deliveries WHERE id = @id
            ON CONFLICT (delivery_id, number) DO NOTHING
            """,
            ("@id", deliveryId), ("@n", number), ("@at", Micros.From(startedAt)), ("@duration", durationMs), ("@code", statusCode),
            ("@failure", failureCode), ("@message", errorMessage), ("@body", responseBody));

    private static void ChangeLane(SqlSession sql, string streamId, string? webhookId, string? tenantId, int change)
    {
        if (webhookId is not null)
        {
            sql.Execute(
                """
                INSERT INTO lanes (stream_id, webhook_id, tenant_id, unsettled) VALUES (@stream, @webhook, @tenant, @change)
                ON CONFLICT (stream_id) DO UPDATE SET unsettled = lanes.unsettled + @change
                """,
                ("@stream", streamId), ("@webhook", webhookId), ("@tenant", tenantId), ("@change", change));
            return;
        }
        sql.Execute("UPDATE lanes SET unsettled = unsettled + @change WHERE stream_id = @stream", ("@change", change), ("@stream", streamId));
    }
}
