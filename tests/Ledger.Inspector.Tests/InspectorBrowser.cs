using Microsoft.Playwright;

namespace Ledger.Inspector.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, which ./test.sh installs when missing) under Playwright; Playwright's
/// own browser download is never used. A missing Chromium fails the tests with the way to get one; it never skips them.
/// </summary>
public static class InspectorBrowser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowserContext Browser, string Profile)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            var where = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
                ? "CI must install it: ./test.sh does"
                : "install it (`apt-get install -y chromium`) or run ./test.sh, which does";
            throw new InvalidOperationException($"the Inspector's browser tests need Debian's Chromium at {ChromiumPath}: {where}");
        }
        var profile = Path.Combine(Path.GetTempPath(), "ledger-inspector-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(profile);
        var playwright = await Playwright.CreateAsync();
        // A profile of its own each run: Playwright passes it to Chromium as --user-data-dir.
        var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        return (playwright, browser, profile);
    }
}
