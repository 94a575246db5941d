using System.Runtime.CompilerServices;

// The PostgreSQL tests hold a commit open (PostgresEventStore.BeforeCommit) to prove that no reader skips a late commit.
[assembly: InternalsVisibleTo("Ledger.EventStore.Tests")]
