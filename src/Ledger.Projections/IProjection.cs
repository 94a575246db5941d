using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections;

/// <summary>A function from ledger events to read-model rows. It runs inside the runner's transaction.</summary>
public interface IProjection
{
    string Name { get; }

    void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e);
}
