using System.Globalization;
using System.Reflection;
using Ledger.EventStore.Sqlite;
using Ledger.TestSupport;

namespace Ledger.EventStore.Tests;

/// <summary>A process appending to a SQLite ledger is killed mid-flight: nothing it acknowledged may be lost.</summary>
public sealed class SqliteCrashTests
{
    private const int AcknowledgementsBeforeKill = 200;

    private static readonly TimeSpan ProbePatience = TimeSpan.FromSeconds(60);

    /// <summary>Where the build put Ledger.EventStore.CrashProbe (see this project's file).</summary>
    private static string ProbeAssembly =>
        typeof(SqliteCrashTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CrashProbeAssembly").Value
        ?? throw new InvalidOperationException("the crash probe's path was not recorded at build time");

    [Fact]
    public async Task Every_acknowledged_append_survives_a_killed_writer_process()
    {
        using var directory = new TempDirectory("ledger-crash");
        var path = directory.File("ledger.db");
        var acknowledged = new List<Acknowledgement>();

        using (var probe = DotnetProcess.Start(ProbeAssembly, path, "4"))
        {
            using var patience = new CancellationTokenSource(ProbePatience);
            await foreach (var line in probe.Lines.ReadAllAsync(patience.Token))
            {
                acknowledged.Add(Acknowledgement.Parse(line));
                if (acknowledged.Count == AcknowledgementsBeforeKill)
                {
                    break;
                }
            }
            Assert.True(acknowledged.Count == AcknowledgementsBeforeKill,
                $"the probe stopped after {acknowledged.Count} acknowledgements: {probe.StandardError}");
            Assert.False(probe.HasExited, "the probe was still appending when it was killed");

            probe.Kill();

            // Printed before the kill but not read yet: acknowledged all the same.
            while (probe.Lines.TryRead(out var line))
            {
                acknowledged.Add(Acknowledgement.Parse(line));
            }
        }

        await using var store = SqliteEventStore.Open(path);
        foreach (var ack in acknowledged)
        {
            var stored = await store.ReadAtAsync(ack.Position);
            Assert.True(stored is not null, $"acknowledged event {ack.Stream}@{ack.Version} (position {ack.Position}) is missing");
            Assert.Equal((ack.Stream, ack.Version), (stored.StreamId, stored.Version));
        }
        foreach (var stream in acknowledged.GroupBy(a => a.Stream))
        {
            var events = await store.ReadStreamAsync(stream.Key);
            AssertChain(events);
            Assert.True(events[^1].Version >= stream.Max(a => a.Version));
        }
        var all = await store.ReadAllAsync(0, int.MaxValue);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(p => (long)p), all.Select(e => e.Position));
        Assert.Equal(all.Count, await store.ReadHeadPositionAsync());

        // The ledger carries on where the killed process stopped.
        var probe0 = await store.ReadStreamVersionAsync("probe-0");
        var result = await store.AppendAsync("probe-0", ExpectedVersion.At(probe0), new NewEvent("probe.appended.v1", "{}", DateTimeOffset.UnixEpoch));
        Assert.Equal(probe0 + 1, result.Streams[0].LastVersion);
        AssertChain(await store.ReadStreamAsync("probe-0"));
    }

    private static void AssertChain(IReadOnlyList<StoredEvent> stream) =>
        Assert.True(EventHash.VerifyChain(stream, out var problem), problem);

    private sealed record Acknowledgement(string Stream, long Version, long Position)
    {
        /// <summary>Reads the probe's "ack &lt;stream&gt; &lt;version&gt; &lt;position&gt;".</summary>
        public static Acknowledgement Parse(string line)
        {
            var parts = line.Split(' ');
            Assert.True(parts is ["ack", _, _, _], $"the probe printed '{line}'");
            return new(parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
        }
    }
}
