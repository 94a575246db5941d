using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Ledger.EventStore.Postgres;

/// <summary>
/// The names one store uses inside its PostgreSQL schema: tables, the NOTIFY channel and the advisory-lock keys.
/// Everything is derived from the schema name, so stores in different schemas of one database never meet.
/// </summary>
internal sealed partial class PostgresSchema
{
    /// <summary>Short enough that the channel name (schema + "_appended") stays under PostgreSQL's 63-byte limit.</summary>
    public const int MaxNameLength = 48;

    public PostgresSchema(string schema)
    {
        if (!IsValidName(schema))
        {
            throw new ArgumentException(
                $"'{schema}' is not a usable schema name: 1 to {MaxNameLength} characters of a-z 0-9 _, starting with a letter or _, not pg_…",
                nameof(schema));
        }
        var name = schema;
        Name = name;
        Events = $"\"{name}\".events";
        Streams = $"\"{name}\".streams";
        Migrations = $"\"{name}\".schema_migrations";
        Channel = name + "_appended";
        AppendLockKey = LockKey("ledger.append:" + name);
        MigrationLockKey = LockKey("ledger.migrate:" + name);
    }

    public string Name { get; }

    public string Events { get; }

    public string Streams { get; }

    public string Migrations { get; }

    /// <summary>The LISTEN/NOTIFY channel; its payload is the last position of the committed transaction.</summary>
    public string Channel { get; }

    /// <summary>Held (transaction-scoped) by every appending transaction from its first position until its commit.</summary>
    public long AppendLockKey { get; }

    /// <summary>Held while the schema is created or migrated, so two processes starting together take turns.</summary>
    public long MigrationLockKey { get; }

    public static bool IsValidName(string? name) =>
        name is not null && name.Length <= MaxNameLength && SchemaName().IsMatch(name) && !name.StartsWith("pg_", StringComparison.Ordinal);

    private static long LockKey(string text) => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [GeneratedRegex("^[a-z_][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
