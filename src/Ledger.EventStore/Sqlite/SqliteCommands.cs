using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Sqlite;

internal static class SqliteCommands
{
    /// <summary>A command compiled once, to be run many times with new parameter values (set by index).</summary>
    public static SqliteCommand Prepare(this SqliteConnection connection, string sql, params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        try
        {
            command.CommandText = sql;
            foreach (var name in parameterNames)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            command.Prepare();
            return command;
        }
        catch
        {
            command.Dispose();
            throw;
        }
    }
}
