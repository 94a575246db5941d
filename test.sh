#!/usr/bin/env bash
# Runs every test of Ledger on a fresh machine: provisions what the tests need (Node packages for the real
# third-party clients and verifiers, the GraphiQL and Inspector pages, Chromium, a throwaway PostgreSQL), checks formatting, builds, and runs all test
# projects. The last line is "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n==> %s\n' "$*"; }

# The registries answer slowly at times; an install that timed out is tried again rather than failing the run.
retry() {
  local n
  for n in 1 2 3; do
    "$@" && return 0
    echo "attempt $n of: $* failed; retrying" >&2
    sleep $((n * 10))
  done
  "$@"
}
npm_ci() { retry npm ci --prefix "$1" --no-audit --no-fund --loglevel=error --fetch-retries=5 --fetch-timeout=120000; }

step "Node packages (tests/node)"
if ! command -v node >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
  npm_ci tests/node
fi

step "Tools the tests run: python3 (documented receiver snippets), docker-compose (compose file check)"
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ -x /usr/bin/docker-compose ] || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  retry bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing[*]} >/dev/null"
fi

step "GraphiQL page (web/graphiql, embedded into the server at build time)"
if [ ! -d web/graphiql/node_modules ] || [ web/graphiql/package-lock.json -nt web/graphiql/node_modules/.package-lock.json ]; then
  npm_ci web/graphiql
fi
npm run build --prefix web/graphiql --silent

step "Inspector page (web/inspector, embedded into the server at build time) and Chromium for its browser tests"
if [ ! -d web/inspector/node_modules ] || [ web/inspector/package-lock.json -nt web/inspector/node_modules/.package-lock.json ]; then
  npm_ci web/inspector
fi
npm run build --prefix web/inspector --silent
if [ ! -x /usr/bin/chromium ]; then
  retry bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'
fi

step "PostgreSQL"
if [ -f scripts/postgres.sh ]; then
  # shellcheck source=scripts/postgres.sh
  source scripts/postgres.sh start
  trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
fi

step "Restore and build"
retry dotnet restore Ledger.sln --verbosity quiet
dotnet build Ledger.sln --no-restore --configuration Release --verbosity quiet -nologo

step "Formatting (dotnet format --verify-no-changes)"
dotnet format Ledger.sln --verify-no-changes --no-restore --verbosity quiet

step "Tests"
log=$(mktemp)
status=0
# Each test project writes its results beside it (tests/*/TestResults), read below for the failures.
rm -rf tests/*/TestResults
dotnet test Ledger.sln --no-build --configuration Release --verbosity quiet -nologo --logger trx 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# Why each failed test failed, at the end of the log where a CI summary shows it.
python3 scripts/test-failures.py tests || true
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "$passed passed, $failed failed"
exit "$status"
