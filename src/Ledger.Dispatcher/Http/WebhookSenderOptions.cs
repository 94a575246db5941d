namespace Ledger.Dispatcher.Http;

/// <summary>Connection settings of the <see cref="WebhookSender"/>'s one long-lived handler.</summary>
public sealed class WebhookSenderOptions
{
    /// <summary>
    /// Bounds a connection attempt (DNS included), which outlives the request that started it. Keep it at most
    /// the attempt timeout (<c>Ledger:Delivery:TimeoutSeconds</c>); each attempt is also cut at its own timeout.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a pooled connection lives, so DNS changes are picked up.</summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(2);

    public int MaxConnectionsPerServer { get; set; } = 1024;
}
