using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ledger.EventStore.Postgres;

/// <summary>
/// Wakes <see cref="IEventStore.WaitForEventsAsync"/> callers when any process commits to the schema. A dedicated
/// connection LISTENs on the schema's channel; every appending transaction NOTIFYs it with its last position, and
/// PostgreSQL delivers the notification only after that commit, so a notified position is readable. The
/// listener reconnects after a failure (re-reading the head, since notifications sent meanwhile are lost), and
/// while it is down waiters poll the head every <see cref="FallbackPollInterval"/> instead.
/// </summary>
internal sealed class PostgresChangeFeed : IAsyncDisposable
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _listenSource;
    private readonly PostgresSchema _schema;
    private readonly Func<CancellationToken, Task<long>> _readHead;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _pulse = NewPulse();
    private long _knownHead;
    private volatile bool _listening;
    private Task _listenLoop = Task.CompletedTask;
    private int _parked;
    private int _listenerProcessId;

    public PostgresChangeFeed(NpgsqlDataSource listenSource, PostgresSchema schema, Func<CancellationToken, Task<long>> readHead, ILogger logger)
    {
        _listenSource = listenSource;
        _schema = schema;
        _readHead = readHead;
        _logger = logger;
    }

    /// <summary>How often waiters read the head while the listener is down.</summary>
    public TimeSpan FallbackPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the LISTEN connection is up (waiters rely on notifications then and do not poll).</summary>
    public bool IsListening => _listening;

    /// <summary>How many waits are parked on notifications alone (none polls the database): what tests wait for.</summary>
    public int ParkedWaiters => Volatile.Read(ref _parked);

    /// <summary>The server process of the current (or last) LISTEN connection.</summary>
    public int ListenerProcessId => Volatile.Read(ref _listenerProcessId);

    /// <summary>Starts listening; completes once the first LISTEN is in place or has failed (then it keeps retrying).</summary>
    public async Task StartAsync()
    {
        var firstAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listenLoop = Task.Run(() => ListenLoopAsync(firstAttempt));
        await firstAttempt.Task;
    }

    /// <summary>Records a position known to be committed (from a notification or this process's own commit) and wakes waiters.</summary>
    public void Advance(long position)
    {
        var known = Volatile.Read(ref _knownHead);
        while (position > known)
        {
            var seen = Interlocked.CompareExchange(ref _knownHead, position, known);
            if (seen == known)
            {
                Pulse();
                return;
            }
            known = seen;
        }
    }

    /// <summary>
    /// While the listener is up, every commit after its LISTEN is notified and the head before it was read on
    /// connecting, so the known head is enough and a wait costs no query; while it is down, waits read the head.
    /// </summary>
    public async Task WaitAsync(long afterPosition, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the checks: anything that changes after them (a commit, the listener, disposal)
            // completes this pulse.
            var pulse = Volatile.Read(ref _pulse).Task;
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, typeof(PostgresEventStore));
            if (Volatile.Read(ref _knownHead) > afterPosition)
            {
                return;
            }
            if (_listening)
            {
                Interlocked.Increment(ref _parked);
                try
                {
                    await pulse.WaitAsync(cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _parked);
                }
                continue;
            }
            var head = await _readHead(cancellationToken);
            if (head > afterPosition)
            {
                Advance(head);
                return;
            }
            try
            {
                await pulse.WaitAsync(FallbackPollInterval, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Time to poll again.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        await _listenLoop;
        // Waiters wake, see the store closed, and throw ObjectDisposedException.
        Pulse();
    }

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Pulse() => Interlocked.Exchange(ref _pulse, NewPulse()).TrySetResult();

    private void SetListening(bool listening)
    {
        if (_listening != listening)
        {
            _listening = listening;
            Pulse();
        }
    }

    private async Task ListenLoopAsync(TaskCompletionSource firstAttempt)
    {
        var stop = _stop.Token;
        var delay = TimeSpan.FromMilliseconds(250);
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _listenSource.OpenConnectionAsync(stop);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN \"{_schema.Channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                // Commits made while no one listened were not heard: catch up from the table.
                await using (var head = new NpgsqlCommand($"SELECT coalesce(max(position), 0) FROM {_schema.Events}", connection))
                {
                    Advance((long)(await head.ExecuteScalarAsync(stop))!);
                }
                Volatile.Write(ref _listenerProcessId, connection.ProcessID);
                SetListening(true);
                firstAttempt.TrySetResult();
                if (failures > 0)
                {
                    _logger.LogInformation("Event store listener for schema {Schema} is back after {Failures} failed attempts", _schema.Name, failures);
                }
                failures = 0;
                delay = TimeSpan.FromMilliseconds(250);
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever broke the connection, the listener's job is to come back.
                SetListening(false);
                firstAttempt.TrySetResult();
                if (failures++ == 0)
                {
                    _logger.LogWarning(e, "Event store listener for schema {Schema} lost its connection; waiters poll every {Interval} until it is back",
                        _schema.Name, FallbackPollInterval);
                }
                try
                {
                    await Task.Delay(delay, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
        }
        SetListening(false);
        firstAttempt.TrySetResult();
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            Advance(position);
        }
    }
}
