#!/usr/bin/env bash
# Runs Ledger's benchmarks with one command: builds Release, provisions a throwaway PostgreSQL (for the Hangfire
# peer, and for Ledger on PostgreSQL once the server supports it), runs every scenario, prints each figure with its
# ratio on one line, and writes the results JSON and a PNG chart.
#
#   ./bench/run.sh [--quick] [--out results.json] [--chart results.png] [--only a,b,c,d,e,f,g,h,i] [--deliveries N] [--export-deliveries N]
#
# --quick is a smoke run (under a minute once built); the full run takes about ten minutes on 2 cores.
# Defaults: --out bench/out/results.json, --chart beside --out with .png. An already-set LEDGER_TEST_POSTGRES
# is used as it is (it should be durable: fsync=on, synchronous_commit=on, or the PostgreSQL figures are not
# honest; the harness prints and records both settings); the one provisioned here always is (LEDGER_PG_FSYNC=on).
# Everything runs on 127.0.0.1 only; every loop is bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

args=("$@")
out=bench/out/results.json
chart=""
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --out) out=${args[i + 1]:-$out} ;;
    --chart) chart=${args[i + 1]:-} ;;
    -h | --help)
      sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
  esac
done
[[ " ${args[*]} " == *" --out "* ]] || args+=(--out "$out")
[[ -n $chart ]] || args+=(--chart "${out%.json}.png")

echo "==> Building Release (server and harness)"
dotnet build src/Ledger.Server/Ledger.Server.csproj -c Release --verbosity quiet -nologo
dotnet build bench/Ledger.Bench/Ledger.Bench.csproj -c Release --verbosity quiet -nologo

if [[ -z ${LEDGER_TEST_POSTGRES:-} ]]; then
  echo "==> PostgreSQL (throwaway, 127.0.0.1, durable: fsync=on, synchronous_commit=on)"
  if eval "$(LEDGER_PG_FSYNC=on scripts/postgres.sh start)"; then
    trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
  else
    echo "bench: no PostgreSQL could be provisioned; the Hangfire peer will be skipped" >&2
  fi
fi

LEDGER_BENCH_COMMIT="${LEDGER_BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo "+dirty")}"
export LEDGER_BENCH_COMMIT
echo "==> Running"
dotnet bench/Ledger.Bench/bin/Release/net10.0/Ledger.Bench.dll "${args[@]}"
