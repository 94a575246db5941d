global using Ledger.TestSupport;
