#!/usr/bin/env bash
# Writes the served GraphQL schema to src/Ledger.GraphQL/schema.graphql, the file the snapshot tests compare with.
# Refuses a breaking change (a removed or renamed type, field, argument or enum value, a changed type) unless
# --allow-breaking is given; an allowed break is recorded in src/Ledger.GraphQL/schema.accepted-breaks.txt.
#
#   scripts/update-schema.sh [--allow-breaking]
set -euo pipefail
cd "$(dirname "$0")/.."
allow=0
case "${1:-}" in
  "") ;;
  --allow-breaking) allow=1 ;;
  *) echo "usage: scripts/update-schema.sh [--allow-breaking]" >&2; exit 2 ;;
esac
LEDGER_UPDATE_SCHEMA=1 LEDGER_ALLOW_BREAKING_SCHEMA=$allow \
  dotnet test tests/Ledger.GraphQL.Tests --verbosity quiet -nologo \
  --filter "FullyQualifiedName~SchemaSnapshotTests.Served_schema_equals_the_checked_in_schema_file"
git status --short -- src/Ledger.GraphQL/schema.graphql src/Ledger.GraphQL/schema.accepted-breaks.txt
