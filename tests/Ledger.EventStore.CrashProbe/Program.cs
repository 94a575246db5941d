using System.Globalization;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;

// Appends to a SQLite ledger from several concurrent writers (so commits are grouped) and prints one line per
// acknowledged append: "ack <stream> <version> <position>". The crash test kills it mid-flight and checks that
// every acknowledged event survived. Usage: CrashProbe <ledger path> [writers] [appends per writer]
if (args.Length is < 1 or > 3)
{
    await Console.Error.WriteLineAsync("usage: Ledger.EventStore.CrashProbe <ledger path> [writers] [appends per writer]");
    return 2;
}
var path = args[0];
var writers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
// Bounded, so a probe whose test died still stops by itself.
var appendsPerWriter = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;

await using var store = SqliteEventStore.Open(path);
await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
{
    var stream = $"probe-{writer}";
    var version = await store.ReadStreamVersionAsync(stream);
    for (var i = 0; i < appendsPerWriter; i++)
    {
        var next = version + 1;
        var data = string.Create(CultureInfo.InvariantCulture, $$"""{"writer":{{writer}},"version":{{next}}}""");
        var e = new NewEvent("probe.appended.v1", data, DateTimeOffset.UtcNow, $"{stream}-{next}");
        var result = await store.AppendAsync(stream, version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version), e);
        var appended = result.Streams[0];
        version = appended.LastVersion;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {stream} {appended.LastVersion} {appended.LastPosition}"));
    }
})));
return 0;
