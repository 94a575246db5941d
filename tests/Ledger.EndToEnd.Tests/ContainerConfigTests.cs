namespace Ledger.EndToEnd.Tests;

/// <summary>
/// docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs here): the compose file is
/// valid to Debian's docker-compose, refuses to start without a database password, and checks every service's
/// health; the Dockerfile's cached restore layer knows every project the server is built from.
/// </summary>
public sealed class ContainerConfigTests
{
    private static readonly string Root = NodeScripts.RepoRoot;

    /// <summary>What docker-compose must refuse to start without: the database password and the master key.</summary>
    private static readonly Dictionary<string, string?> Required = new()
    {
        ["LEDGER_DB_PASSWORD"] = "pw_for_config_check",
        ["LEDGER_MASTER_KEY"] = Convert.ToBase64String(new byte[32]),
    };

    [Fact]
    public async Task Compose_file_is_valid_with_a_password_and_refused_without_one()
    {
        RequireDockerCompose();

        var config = await ComposeConfigAsync(Required);
        Assert.True(config.ExitCode == 0, config.Output);
        Assert.Contains("Password=pw_for_config_check", config.Output, StringComparison.Ordinal);

        foreach (var name in Required.Keys)
        {
            var missing = await ComposeConfigAsync(new(Required) { [name] = null });
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains(name, missing.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_compose_service_has_a_health_check()
    {
        RequireDockerCompose();
        var config = await ComposeConfigAsync(Required);

        var output = "\n" + config.Output;
        var services = output[output.IndexOf("\nservices:", StringComparison.Ordinal)..];
        var names = System.Text.RegularExpressions.Regex.Matches(services, @"\n  ([a-z0-9-]+):\n").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("postgres", names);
        Assert.Contains("ledger-1", names);
        foreach (var (name, index) in names.Select((n, i) => (n, i)))
        {
            var start = services.IndexOf($"\n  {name}:\n", StringComparison.Ordinal);
            var end = index + 1 < names.Count ? services.IndexOf($"\n  {names[index + 1]}:\n", StringComparison.Ordinal) : services.Length;
            Assert.True(services[start..end].Contains("healthcheck:", StringComparison.Ordinal), $"service {name} has no healthcheck");
        }
    }

    [Fact]
    public void The_dockerfile_restore_layer_copies_every_project_the_server_is_built_from()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var projects = ServerProjects();
        Assert.Contains("src/Ledger.Domain/Ledger.Domain.csproj", projects);
        foreach (var relative in projects)
        {
            Assert.True(dockerfile.Contains($"COPY {relative} ", StringComparison.Ordinal), $"the Dockerfile's restore layer does not copy {relative}");
        }
    }

    /// <summary>Ledger.Server's project file and every project it references, directly or not, relative to the root.</summary>
    private static HashSet<string> ServerProjects()
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(Root, "src", "Ledger.Server", "Ledger.Server.csproj")]);
        while (pending.TryPop(out var project))
        {
            if (!found.Add(Path.GetRelativePath(Root, project).Replace('\\', '/')))
            {
                continue;
            }
            foreach (var reference in System.Xml.Linq.XDocument.Load(project).Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value)));
            }
        }
        return found;
    }

    private static void RequireDockerCompose()
    {
        if (!File.Exists("/usr/bin/docker-compose"))
        {
            Assert.Fail("docker-compose is missing: ./test.sh installs it (apt-get install docker-compose)");
        }
    }

    private static async Task<(int ExitCode, string Output)> ComposeConfigAsync(Dictionary<string, string?> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("docker-compose")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--project-directory", Path.GetTempPath(), "-f", Path.Combine(Root, "docker-compose.yml"), "config" })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
