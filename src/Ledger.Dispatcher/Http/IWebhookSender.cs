namespace Ledger.Dispatcher.Http;

/// <summary>
/// Sends one attempt and reports what happened. Every outcome of the attempt is a <see cref="SendResult"/>;
/// only the caller's own cancellation (shutdown) throws, as <see cref="OperationCanceledException"/>.
/// </summary>
public interface IWebhookSender
{
    Task<SendResult> SendAsync(SendRequest request, CancellationToken cancellationToken);
}
