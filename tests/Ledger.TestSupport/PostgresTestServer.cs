namespace Ledger.TestSupport;

/// <summary>
/// The PostgreSQL server the test command provisioned with <c>scripts/postgres.sh</c>, found through
/// <c>LEDGER_TEST_POSTGRES</c> (an Npgsql connection string). A missing server fails the tests that need it, with
/// the way to get one; it never skips them.
/// </summary>
public static class PostgresTestServer
{
    public const string Variable = "LEDGER_TEST_POSTGRES";

    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : throw new InvalidOperationException(MissingMessage());

    private static string MissingMessage() =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? $"{Variable} is not set on CI: the PostgreSQL tests need a real server. The test command must provision one "
              + $"with `source scripts/postgres.sh start` (which exports {Variable}) before running dotnet test."
            : $"{Variable} is not set: the PostgreSQL tests need a real server. Run the README's test command, which "
              + $"provisions one, or provision it yourself: `source scripts/postgres.sh start` (exports {Variable}), "
              + "run the tests again, then `scripts/postgres.sh stop`.";
}
