using Ledger.Dispatcher.Http;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>One attempt's request as rendered, with when it was signed and which secrets signed it (recorded with the attempt).</summary>
public sealed record SignedRequest(SendRequest Request, DateTimeOffset SignedAt, IReadOnlyList<string> SecretFingerprints);
