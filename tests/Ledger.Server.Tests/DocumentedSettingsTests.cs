using System.Reflection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Server.Tests;

/// <summary>
/// docs/operations.md lists every setting: every property of every options class the server binds, and every other
/// <c>Ledger:…</c> key it reads, must appear there in its environment form (<c>Ledger__Delivery__TimeoutSeconds</c>), so a
/// new setting cannot go undocumented.
/// </summary>
public sealed class DocumentedSettingsTests
{
    [Fact]
    public async Task Every_setting_the_server_reads_is_in_the_operations_table()
    {
        var read = await SettingsReadByTheServerAsync();
        Assert.Contains("Ledger:GraphQL:MaxTokens", read);
        Assert.Contains("Ledger:Delivery:Breaker:FailureThreshold", read);

        var page = await File.ReadAllTextAsync(Path.Combine(NodeScripts.RepoRoot, "docs", "operations.md"));
        var missing = read.Select(k => k.Replace(":", "__", StringComparison.Ordinal))
            .Where(k => !page.Contains($"`{k}`", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(missing.Count == 0, $"settings the server reads but docs/operations.md does not list: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// Every setting of every options class (a class with <c>const string Section = "Ledger:…"</c>), nested options
    /// included, and every other <c>Ledger:</c> key the server looks up when it starts in-process and builds each
    /// singleton it registers. A section read that no options class declares fails the test: declare one.
    /// </summary>
    private static async Task<IReadOnlyCollection<string>> SettingsReadByTheServerAsync()
    {
        var recorder = await StartAndRecordAsync();
        var optionsTypes = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name!.StartsWith("Ledger.", StringComparison.Ordinal) && !a.GetName().Name!.EndsWith("Tests", StringComparison.Ordinal))
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section?.StartsWith("Ledger:", StringComparison.Ordinal) == true)
            .ToDictionary(t => t.Section!, t => t.Type, StringComparer.OrdinalIgnoreCase);

        var settings = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, type) in optionsTypes)
        {
            AddSettings(settings, section, type);
        }
        var undeclared = recorder.Keys.Where(k => k.StartsWith("Ledger:", StringComparison.OrdinalIgnoreCase) && k.Count(c => c == ':') == 1 && !optionsTypes.ContainsKey(k)).ToList();
        var readDirectly = recorder.Keys.Where(k => k.Count(c => c == ':') >= 2 && k.StartsWith("Ledger:", StringComparison.OrdinalIgnoreCase)
            && !optionsTypes.Keys.Any(s => k.StartsWith(s + ':', StringComparison.OrdinalIgnoreCase)));
        Assert.True(undeclared.Count == 0, $"sections read without an options class that declares them (const string Section): {string.Join(", ", undeclared)}");
        settings.UnionWith(readDirectly);
        return settings;
    }

    private static void AddSettings(HashSet<string> settings, string section, Type type)
    {
        foreach (var property in type.GetProperties().Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0))
        {
            var key = $"{section}:{property.Name}";
            if (property.PropertyType.IsClass && property.PropertyType != typeof(string))
            {
                AddSettings(settings, key, property.PropertyType);
            }
            else
            {
                settings.Add(key);
            }
        }
    }

    private static async Task<RecordingSource> StartAndRecordAsync()
    {
        using var directory = new TempDirectory("ledger-settings");
        var recorder = new RecordingSource();
        IServiceCollection? registered = null;
        await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Production");
            host.UseSetting("Ledger:Storage:Sqlite:Path", directory.File("ledger.db"));
            host.UseSetting("LEDGER_BOOTSTRAP_API_KEY", "default:settings_test_key_0123456789");
            host.ConfigureAppConfiguration(configuration => configuration.Add(recorder));
            host.ConfigureTestServices(services => registered = services);
        }))
        {
            using var client = factory.CreateClient();
            (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).EnsureSuccessStatusCode();
            foreach (var descriptor in registered!.Where(d => d.Lifetime == ServiceLifetime.Singleton && !d.IsKeyedService && !d.ServiceType.IsGenericTypeDefinition))
            {
                _ = factory.Services.GetServices(descriptor.ServiceType).ToList();
            }
        }
        return recorder;
    }

    /// <summary>Records every key looked up, and answers none.</summary>
    private sealed class RecordingSource : ConfigurationProvider, IConfigurationSource
    {
        private readonly HashSet<string> _keys = new(StringComparer.OrdinalIgnoreCase);

        public IReadOnlyCollection<string> Keys
        {
            get
            {
                lock (_keys)
                {
                    return [.. _keys];
                }
            }
        }

        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public override bool TryGet(string key, out string? value)
        {
            lock (_keys)
            {
                _keys.Add(key);
            }
            return base.TryGet(key, out value);
        }
    }
}
