using Ledger.Application.Exports;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.Projections.Portal;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Server.Tests;

/// <summary>Download grants (docs/portal-tokens.md): unguessable, short-lived, bound to the tenant and scope that asked.</summary>
public sealed class ExportDownloadsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    private ExportDownloads Downloads(int expirySeconds = 300, int max = 10_000) =>
        new(new ExportOptions { DownloadExpirySeconds = expirySeconds, MaxOutstandingDownloads = max }.Validate(), new PortalTokenRegistry(_time), _time);

    private static string TokenOf(ExportDownload download) => download.Url[(ExportDownloads.Path.Length + 1)..];

    private static readonly ExportRequest Deliveries = new(ExportKinds.Deliveries, ExportFormats.Csv, Filter: new DeliveryExportFilter());

    [Fact]
    public void A_token_works_until_it_expires_and_then_is_unknown()
    {
        var downloads = Downloads(expirySeconds: 60);
        var download = downloads.Issue(new TenantId("acme"), CallerScope.Operator, Deliveries);

        Assert.Equal(_time.GetUtcNow().AddSeconds(60), download.ExpiresAt);
        Assert.Equal("acme", downloads.Redeem(TokenOf(download))!.Tenant.Value);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(downloads.Redeem(TokenOf(download)));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(downloads.Redeem(TokenOf(download)));
    }

    [Fact]
    public void Tokens_are_random_and_a_changed_token_is_unknown()
    {
        var downloads = Downloads();
        var tokens = Enumerable.Range(0, 50).Select(_ => TokenOf(downloads.Issue(TenantId.Default, CallerScope.Operator, Deliveries))).ToList();

        Assert.Equal(50, tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.All(tokens, t => Assert.True(t.Length >= 43, t));
        var changed = (tokens[0][0] == 'A' ? "B" : "A") + tokens[0][1..];
        Assert.Null(downloads.Redeem(changed));
        Assert.Null(downloads.Redeem(""));
        Assert.Null(downloads.Redeem(null));
    }

    [Fact]
    public void A_grant_keeps_the_scope_of_the_portal_token_that_asked_and_ends_without_it()
    {
        var downloads = Downloads();
        var scope = CallerScope.Portal("pt_unknown", ["wh_a"], [PortalCapabilities.Read]);

        var download = downloads.Issue(TenantId.Default, scope, Deliveries);

        // The registry has never seen this portal token (revoked, expired or never valid): the URL does not work.
        Assert.Null(downloads.Redeem(TokenOf(download)));
    }

    [Fact]
    public void Outstanding_downloads_are_capped_until_some_expire()
    {
        var downloads = Downloads(expirySeconds: 10, max: 2);
        downloads.Issue(TenantId.Default, CallerScope.Operator, Deliveries);
        downloads.Issue(TenantId.Default, CallerScope.Operator, Deliveries);

        var refused = Assert.Throws<DomainException>(() => downloads.Issue(TenantId.Default, CallerScope.Operator, Deliveries));
        Assert.Equal(ErrorCodes.LimitExceeded, refused.Code);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.NotNull(downloads.Issue(TenantId.Default, CallerScope.Operator, Deliveries));
    }

    [Theory]
    [InlineData(9, 10)]
    [InlineData(3601, 10)]
    [InlineData(300, 0)]
    public void Settings_out_of_range_stop_the_server(int expirySeconds, int max) =>
        Assert.Throws<InvalidOperationException>(() => new ExportOptions { DownloadExpirySeconds = expirySeconds, MaxOutstandingDownloads = max }.Validate());
}
