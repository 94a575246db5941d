using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Application.Replay;

/// <summary>
/// Bulk replays as jobs: the selection is counted and recorded (<see cref="ReplayJobStarted"/>, with who started it)
/// before the first redelivery, so the caller learns the total at once; redeliveries then go out at a bounded pace,
/// each a <see cref="RedeliveryRequested"/> naming the job; progress is watched live; a cancel (recorded with who asked)
/// stops it before the next redelivery, and <see cref="ReplayJobEnded"/> records what was done. Jobs run in the
/// process that started them; the selection is in the ledger (<see cref="ReplayJobSelected"/>), so a job a restart
/// interrupted is resumed by the instance that leads next (<see cref="ResumeInterruptedAsync"/>): it passes over the
/// deliveries it redelivered already (the lane names the job) and goes on with the rest.
/// </summary>
public sealed class ReplayJobs(
    IEventStore store, ReadModelQueries queries, WebhookRegistry registry, LedgerService ledger, ReplayOptions options, TimeProvider time,
    ILogger<ReplayJobs>? logger = null) : IAsyncDisposable
{
    public const string JobIdPrefix = "rpl_";

    private const int RecentPerTenant = 50;

    /// <summary>Delivery ids per <see cref="ReplayJobSelected"/>: well under an event's size limit.</summary>
    private const int SelectionChunk = 1000;

    /// <summary>Who <c>cancelledBy</c> names when a job is ended by the server rather than by a caller.</summary>
    public const string ServerActor = "server";

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IdGenerator _ids = new(time);
    private readonly ILogger _logger = logger ?? NullLogger<ReplayJobs>.Instance;

    /// <summary>Counts the selection, records the job and starts it; answers with the job (its <c>Total</c> is the count).</summary>
    public async Task<ReplayJobView> StartAsync(TenantId tenant, CommandActor actor, ReplaySelection selection, CancellationToken cancellationToken)
    {
        var (deliveries, description) = await SelectAsync(tenant, selection, cancellationToken);
        var id = _ids.New(JobIdPrefix);
        var started = new ReplayJobStarted(id, actor.Id, description, deliveries.Count, options.PerSecond, time.GetUtcNow(), actor.Ip)
        {
            WebhookIds = (selection.Filter?.WebhookId ?? selection.WebhookId) is { } one ? [one] : selection.Filter?.WebhookIds?.ToList(),
        };
        await AppendAsync(tenant, [started, .. deliveries.Select(d => d.Id).Chunk(SelectionChunk).Select((ids, i) => new ReplayJobSelected(id, i * SelectionChunk, ids))], cancellationToken);
        var job = new Job(View(tenant, started), CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token), resumed: false);
        _jobs[id] = job;
        Forget(tenant);
        var known = deliveries.DistinctBy(d => d.Id, StringComparer.Ordinal).ToDictionary(d => d.Id, StringComparer.Ordinal);
        job.Run = Task.Run(() => RunAsync(tenant, job, [.. deliveries.Select(d => d.Id)], known), CancellationToken.None);
        return job.Current;
    }

    /// <summary>
    /// Resumes every job that started and has not ended, unless it runs here: one interrupted by a restart (or whose
    /// end could not be recorded) goes on where it stopped; one whose cancel was recorded ends as cancelled; one
    /// started before selections were recorded ends as cancelled by the server. Call once the read models include
    /// the ledger's head.
    /// </summary>
    public async Task<int> ResumeInterruptedAsync(CancellationToken cancellationToken)
    {
        var resumed = 0;
        foreach (var (tenant, jobId, position) in await queries.UnfinishedReplayJobsAsync(cancellationToken))
        {
            if ((_jobs.TryGetValue(jobId, out var here) && here.Current.IsRunning) || await store.ReadAtAsync(position, cancellationToken) is not { } stored
                || EventSerializer.Deserialize(stored) is not ReplayJobStarted started)
            {
                continue;
            }
            var (ids, cancelledBy, ended) = (new List<string>(started.Total), (string?)null, false);
            foreach (var e in (await store.ReadStreamAsync(stored.StreamId, stored.Version + 1, int.MaxValue, cancellationToken)).Select(EventSerializer.Deserialize))
            {
                switch (e)
                {
                    case ReplayJobSelected x when x.JobId == jobId && x.Offset == ids.Count:
                        ids.AddRange(x.DeliveryIds);
                        break;
                    case ReplayJobCancelRequested x when x.JobId == jobId:
                        cancelledBy ??= x.Actor;
                        break;
                    case ReplayJobEnded x when x.JobId == jobId:
                        ended = true;
                        break;
                }
            }
            if (ended)
            {
                continue;
            }
            var job = new Job(View(tenant, started), CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token), resumed: true)
            {
                CancelledBy = cancelledBy ?? (ids.Count == started.Total ? null : ServerActor),
            };
            if (job.CancelledBy is not null)
            {
                await job.Cancel.CancelAsync();
            }
            _jobs[jobId] = job;
            _logger.LogInformation("Resuming replay job {JobId} of {Total} deliveries", jobId, started.Total);
            job.Run = Task.Run(() => RunAsync(tenant, job, ids, null), CancellationToken.None);
            resumed++;
        }
        return resumed;
    }

    private static ReplayJobView View(TenantId tenant, ReplayJobStarted started) =>
        new(started.JobId, tenant.Value, ReplayStatuses.Running, started.Total, 0, 0, started.Selection, started.Actor, started.StartedAt, null, null, started.WebhookIds);

    public ReplayJobView? Find(TenantId tenant, string id) =>
        _jobs.TryGetValue(id, out var job) && job.Current.TenantId == tenant.Value ? job.Current : null;

    /// <summary>The tenant's recent jobs, newest first.</summary>
    public IReadOnlyList<ReplayJobView> OfTenant(TenantId tenant) =>
        [.. _jobs.Values.Select(j => j.Current).Where(j => j.TenantId == tenant.Value).OrderByDescending(j => j.StartedAt).ThenByDescending(j => j.Id, StringComparer.Ordinal)];

    /// <summary>Stops a running job before its next redelivery and answers once it has ended; an ended job is answered as it is.</summary>
    public async Task<ReplayJobView> CancelAsync(TenantId tenant, CommandActor actor, string id, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(id, out var job) || job.Current.TenantId != tenant.Value)
        {
            throw DomainException.NotFound("replay job");
        }
        if (job.Current.IsRunning && job.CancelledBy is null)
        {
            job.CancelledBy = actor.Id;
            await AppendAsync(tenant, [new ReplayJobCancelRequested(id, actor.Id, time.GetUtcNow(), actor.Ip)], cancellationToken);
            await job.Cancel.CancelAsync();
        }
        await job.Run!.WaitAsync(cancellationToken);
        return job.Current;
    }

    /// <summary>Tells <paramref name="changed"/> of the job now and after every change until it ended (then <paramref name="ended"/>).</summary>
    public IDisposable Watch(TenantId tenant, string id, Action<ReplayJobView> changed, Action ended)
    {
        if (!_jobs.TryGetValue(id, out var job) || job.Current.TenantId != tenant.Value)
        {
            throw DomainException.NotFound("replay job");
        }
        var watcher = new Watcher(changed, ended);
        lock (job)
        {
            job.Watchers.Add(watcher);
        }
        job.Tell(watcher);
        return new Unwatch(job, watcher);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_jobs.Values.Select(j => j.Run ?? Task.CompletedTask));
        _stopping.Dispose();
    }

    private async Task RunAsync(TenantId tenant, Job job, IReadOnlyList<string> deliveryIds, IReadOnlyDictionary<string, DeliveryView>? known)
    {
        var pause = TimeSpan.FromSeconds(1.0 / options.PerSecond);
        var (done, failed) = (0, 0);
        try
        {
            foreach (var id in deliveryIds)
            {
                var delivery = known?.GetValueOrDefault(id) ?? await queries.GetDeliveryAsync(tenant, id, _stopping.Token);
                if (job.Cancel.IsCancellationRequested)
                {
                    if (!job.Resumed || _stopping.IsCancellationRequested)
                    {
                        break;
                    }
                    // A resumed job counts what it did before the restart in what it reports.
                    done += delivery is not null && await ledger.WasRedeliveredByAsync(delivery, job.Current.Id, _stopping.Token) ? 1 : 0;
                    continue;
                }
                var appended = false;
                try
                {
                    appended = await ledger.RequestReplayRedeliveryAsync(delivery ?? throw DomainException.NotFound("delivery"), job.Current.Id, _stopping.Token);
                    done++;
                }
                catch (Exception ex) when (ex is DomainException or WrongExpectedVersionException)
                {
                    failed++;
                }
                job.Update(job.Current with { Done = done, Failed = failed });
                if (!appended)
                {
                    continue;
                }
                try
                {
                    await Task.Delay(pause, time, job.Cancel.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            _stopping.Token.ThrowIfCancellationRequested();
            var outcome = job.CancelledBy is not null ? ReplayStatuses.Cancelled : ReplayStatuses.Completed;
            var ended = new ReplayJobEnded(job.Current.Id, outcome, done, failed, time.GetUtcNow());
            await AppendAsync(tenant, [ended], _stopping.Token);
            job.Update(job.Current with { Status = outcome, Done = done, Failed = failed, CancelledBy = job.CancelledBy, EndedAt = ended.EndedAt });
        }
        catch (Exception ex)
        {
            // Nothing records the end: the job is resumed when a server next takes the lead.
            if (!_stopping.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Replay job {JobId} stopped after {Done} redeliveries", job.Current.Id, done);
            }
            job.Update(job.Current with { Status = ReplayStatuses.Cancelled, Done = done, Failed = failed, CancelledBy = job.CancelledBy ?? ServerActor, EndedAt = time.GetUtcNow() });
        }
    }

    private async Task<(IReadOnlyList<DeliveryView> Deliveries, string Description)> SelectAsync(TenantId tenant, ReplaySelection selection, CancellationToken cancellationToken)
    {
        foreach (var webhookId in new[] { selection.WebhookId, selection.Filter?.WebhookId }.OfType<string>())
        {
            _ = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        }
        if (selection.Filter is null)
        {
            if (selection.WebhookId is null || selection.Since is null)
            {
                throw DomainException.Validation("filter", "give a filter, or a webhookId and since (its failed deliveries)");
            }
            var failed = await queries.FailedDeliveriesAsync(tenant, selection.WebhookId, selection.Since.Value, cancellationToken);
            return (Limit(failed), string.Create(CultureInfo.InvariantCulture, $"failed deliveries of {selection.WebhookId} since {selection.Since.Value:O}"));
        }
        var settled = new[] { DeliveryStatuses.Delivered, DeliveryStatuses.Failed };
        var filter = selection.Filter with
        {
            WebhookId = selection.Filter.WebhookId ?? selection.WebhookId,
            Since = selection.Filter.Since ?? selection.Since,
            Statuses = selection.Filter.Statuses is { Count: > 0 } statuses ? [.. statuses.Intersect(settled)] : settled,
        };
        var found = new List<DeliveryView>();
        if (filter.Statuses!.Count > 0)
        {
            string? cursor = null;
            do
            {
                var page = await queries.ListDeliveriesAsync(tenant, filter, ReadModelQueries.MaxPageSize, cursor, cancellationToken);
                found.AddRange(page.Data);
                Limit(found);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
        found.Reverse();
        return (found, Describe(filter));
    }

    private List<DeliveryView> Limit(IReadOnlyList<DeliveryView> deliveries) =>
        deliveries.Count > options.MaxDeliveries
            ? throw new DomainException(ErrorCodes.LimitExceeded, $"the selection holds more than {options.MaxDeliveries} deliveries; narrow it or run several replays", "filter")
            : deliveries as List<DeliveryView> ?? [.. deliveries];

    private static string Describe(DeliveryFilter filter)
    {
        var text = new StringBuilder("deliveries where ");
        var parts = typeof(DeliveryFilter).GetProperties()
            .Select(p => (p.Name, Value: p.GetValue(filter)))
            .Where(p => p.Value is not null)
            .Select(p => p.Value is IEnumerable<string> list && p.Value is not string
                ? $"{p.Name}=[{string.Join(",", list)}]"
                : string.Create(CultureInfo.InvariantCulture, $"{p.Name}={p.Value}"));
        return text.AppendJoin(", ", parts).ToString();
    }

    private async Task AppendAsync(TenantId tenant, IEnumerable<ILedgerEvent> events, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.AppendAsync([new StreamAppend(Streams.Tenant(tenant), ExpectedVersion.Any, [.. events.Select(e => EventSerializer.ToNew(e, now))])], cancellationToken);
    }

    /// <summary>Keeps the most recent ended jobs of a tenant in memory, no more.</summary>
    private void Forget(TenantId tenant)
    {
        foreach (var old in OfTenant(tenant).Where(j => !j.IsRunning).Skip(RecentPerTenant))
        {
            _jobs.TryRemove(old.Id, out _);
        }
    }

    private sealed record Watcher(Action<ReplayJobView> Changed, Action Ended);

    private sealed class Unwatch(Job job, Watcher watcher) : IDisposable
    {
        public void Dispose()
        {
            lock (job)
            {
                job.Watchers.Remove(watcher);
            }
        }
    }

    /// <param name="resumed">Whether the job was interrupted by a restart and resumed here.</param>
    private sealed class Job(ReplayJobView initial, CancellationTokenSource cancel, bool resumed)
    {
        public bool Resumed { get; } = resumed;

        private ReplayJobView _current = initial;

        public ReplayJobView Current => Volatile.Read(ref _current);

        public CancellationTokenSource Cancel { get; } = cancel;

        public string? CancelledBy { get; set; }

        public Task? Run { get; set; }

        public List<Watcher> Watchers { get; } = [];

        public void Update(ReplayJobView next)
        {
            Watcher[] watchers;
            lock (this)
            {
                Volatile.Write(ref _current, next);
                watchers = [.. Watchers];
            }
            foreach (var watcher in watchers)
            {
                Tell(watcher);
            }
        }

        public void Tell(Watcher watcher)
        {
            var current = Current;
            watcher.Changed(current);
            if (!current.IsRunning)
            {
                watcher.Ended();
            }
        }
    }
}
