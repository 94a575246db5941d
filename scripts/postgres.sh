#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and local runs: its own cluster in a temp dir, on a free port of 127.0.0.1
# only, with a password made at random for this run.
#
#   source scripts/postgres.sh start    exports LEDGER_TEST_POSTGRES (Npgsql connection string) and
#                                       LEDGER_TEST_POSTGRES_DIR (the cluster's dir, for stop)
#   eval "$(scripts/postgres.sh start)" the same from a script that does not source this file
#   scripts/postgres.sh stop [DIR]      stops the cluster and removes DIR (default $LEDGER_TEST_POSTGRES_DIR)
#   scripts/postgres.sh run CMD [ARG..] starts, runs CMD with LEDGER_TEST_POSTGRES set, stops, exits with CMD's code
#
# An already-set LEDGER_TEST_POSTGRES is used as it is: nothing is provisioned and stop leaves it alone.
# The cluster runs with fsync=off and synchronous_commit=off: it is thrown away, so crash durability buys the
# tests nothing and costs them time. LEDGER_PG_FSYNC=on keeps the server's durable defaults (for benchmarks).
# When the PostgreSQL server binaries are missing they are installed with apt-get (Debian, as root).

_ledger_pg_err() { printf 'postgres.sh: %s\n' "$*" >&2; }

# Runs a command as the cluster's owner: `postgres` when we are root (initdb and postgres refuse root).
_ledger_pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_ledger_pg_bindir() {
  local pg_ctl
  pg_ctl=$(ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)
  [[ -n $pg_ctl ]] && dirname "$pg_ctl"
}

_ledger_pg_install() {
  if [[ $(id -u) -ne 0 ]]; then
    _ledger_pg_err "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and we are not root to install them: apt-get install postgresql"
    return 1
  fi
  _ledger_pg_err "installing PostgreSQL with apt-get (once per machine)"
  local log
  log=$(mktemp)
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    _ledger_pg_err "apt-get install postgresql failed (output above)"
    return 1
  fi
  rm -f "$log"
}

_ledger_pg_port_free() {
  # A connect that succeeds means someone listens there.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Removes a half-made cluster, then fails.
_ledger_pg_abandon() {
  local bin=$1 dir=$2
  if [[ -f $dir/data/postmaster.pid ]]; then
    (cd "$dir" && _ledger_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop) >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  return 1
}

# Prints "dir<TAB>connection string" on success; everything else goes to stderr. Every step checks its own
# status: `set -e` does not hold inside a function whose caller tests it.
_ledger_pg_provision() {
  local bin
  bin=$(_ledger_pg_bindir) || true
  if [[ -z $bin ]]; then
    _ledger_pg_install || return 1
    bin=$(_ledger_pg_bindir) || true
    [[ -n $bin ]] || { _ledger_pg_err "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/pg_ctl appeared"; return 1; }
  fi
  local root=false
  [[ $(id -u) -ne 0 ]] || root=true
  if $root && ! id postgres >/dev/null 2>&1; then
    _ledger_pg_err "running as root but there is no 'postgres' OS user to own the cluster (is the postgresql package installed?)"
    return 1
  fi

  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/ledger-pg-XXXXXX" 2>/dev/null) || { _ledger_pg_err "cannot make a temp dir under ${TMPDIR:-/tmp}"; return 1; }
  if $root; then
    chown postgres: "$dir" || { rm -rf "$dir"; return 1; }
    if ! runuser -u postgres -- test -w "$dir"; then
      # e.g. a TMPDIR under /root, which the postgres user cannot enter.
      rm -rf "$dir"
      dir=$(mktemp -d /tmp/ledger-pg-XXXXXX) || { _ledger_pg_err "cannot make a temp dir under /tmp"; return 1; }
      chown postgres: "$dir" || { rm -rf "$dir"; return 1; }
    fi
  fi
  chmod 700 "$dir" && : >"$dir/.ledger-pg" || _ledger_pg_abandon "$bin" "$dir" || return 1

  local password user=ledger database=ledger_test
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  [[ ${#password} -eq 48 ]] || { _ledger_pg_err "could not read /dev/urandom"; _ledger_pg_abandon "$bin" "$dir"; return 1; }
  (umask 077 && printf '%s\n' "$password" >"$dir/pwfile") || { _ledger_pg_abandon "$bin" "$dir"; return 1; }
  if $root; then chown postgres: "$dir/pwfile" || { _ledger_pg_abandon "$bin" "$dir"; return 1; }; fi

  if ! (cd "$dir" && _ledger_pg_as_owner "$bin/initdb" -D "$dir/data" -U "$user" --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C -N) >"$dir/initdb.log" 2>&1; then
    tail -n 20 "$dir/initdb.log" >&2
    _ledger_pg_err "initdb failed (output above)"
    _ledger_pg_abandon "$bin" "$dir"
    return 1
  fi
  rm -f "$dir/pwfile"

  {
    # Socket connections are trusted, but the socket lives in this 0700 dir that only the owner can enter.
    printf "listen_addresses = '127.0.0.1'\n"
    printf "unix_socket_directories = '%s'\n" "$dir"
    printf "password_encryption = 'scram-sha-256'\n"
    printf "max_connections = 200\n"
    if [[ ${LEDGER_PG_FSYNC:-off} != on ]]; then
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
    fi
  } >>"$dir/data/postgresql.conf" || { _ledger_pg_abandon "$bin" "$dir"; return 1; }

  local port="" attempt candidate
  for attempt in 1 2 3 4 5 6 7 8; do
    candidate=$((20000 + RANDOM % 40000))
    _ledger_pg_port_free "$candidate" || continue
    if (cd "$dir" && _ledger_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $candidate" -w -t 30 start) >/dev/null 2>&1; then
      port=$candidate
      break
    fi
    # Another process took the port between the check and the bind: try another one. Anything else is fatal.
    if ! grep -q 'could not bind\|Address already in use' "$dir/server.log" 2>/dev/null; then
      tail -n 20 "$dir/server.log" >&2 2>/dev/null
      _ledger_pg_err "the PostgreSQL server did not start (server log above)"
      _ledger_pg_abandon "$bin" "$dir"
      return 1
    fi
  done
  if [[ -z $port ]]; then
    _ledger_pg_err "found no free port for PostgreSQL on 127.0.0.1 in $attempt tries"
    _ledger_pg_abandon "$bin" "$dir"
    return 1
  fi

  if ! (cd "$dir" && _ledger_pg_as_owner "$bin/createdb" -h "$dir" -p "$port" -U "$user" "$database") >"$dir/createdb.log" 2>&1; then
    cat "$dir/createdb.log" >&2
    _ledger_pg_err "createdb $database failed"
    _ledger_pg_abandon "$bin" "$dir"
    return 1
  fi

  local connection="Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$database"
  (umask 077 && printf '%s\n' "$connection" >"$dir/connection" && printf '%s\n' "$bin" >"$dir/bindir") \
    || { _ledger_pg_abandon "$bin" "$dir"; return 1; }
  printf '%s\t%s\n' "$dir" "$connection"
}

_ledger_pg_start() {
  if [[ -n ${LEDGER_TEST_POSTGRES:-} ]]; then
    _ledger_pg_err "LEDGER_TEST_POSTGRES is already set: using that server"
    return 0
  fi
  local out
  out=$( (_ledger_pg_provision) ) || return 1
  export LEDGER_TEST_POSTGRES_DIR=${out%%$'\t'*}
  export LEDGER_TEST_POSTGRES=${out#*$'\t'}
}

_ledger_pg_stop() {
  local dir=${1:-${LEDGER_TEST_POSTGRES_DIR:-}}
  if [[ -z $dir ]]; then
    _ledger_pg_err "stop: no dir given and LEDGER_TEST_POSTGRES_DIR is not set; nothing to stop"
    return 0
  fi
  if [[ ! -e $dir/.ledger-pg ]]; then
    _ledger_pg_err "stop: $dir is not a cluster made by this script; leaving it alone"
    return 1
  fi
  local bin
  bin=$(cat "$dir/bindir" 2>/dev/null || _ledger_pg_bindir || true)
  if [[ -n $bin && -f $dir/data/postmaster.pid ]]; then
    (cd "$dir" && _ledger_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop) >/dev/null 2>&1 \
      || (cd "$dir" && _ledger_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop) >/dev/null 2>&1 \
      || _ledger_pg_err "stop: pg_ctl stop failed for $dir"
  fi
  rm -rf "$dir"
  if [[ ${LEDGER_TEST_POSTGRES_DIR:-} == "$dir" ]]; then
    unset LEDGER_TEST_POSTGRES LEDGER_TEST_POSTGRES_DIR
  fi
}

_ledger_pg_run() {
  if [[ $# -eq 0 ]]; then
    _ledger_pg_err "run: give the command to run"
    return 2
  fi
  if [[ -n ${LEDGER_TEST_POSTGRES:-} ]]; then
    "$@"
    return
  fi
  _ledger_pg_start || return 1
  local dir=$LEDGER_TEST_POSTGRES_DIR
  trap '_ledger_pg_stop "'"$dir"'"' EXIT
  trap 'exit 130' INT TERM
  local code=0
  "$@" || code=$?
  return "$code"
}

_ledger_pg_usage() {
  _ledger_pg_err "usage: source scripts/postgres.sh start | scripts/postgres.sh stop [DIR] | scripts/postgres.sh run CMD [ARG...]"
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  # Sourced: act in the caller's shell, never exit it.
  case ${1:-} in
    start) _ledger_pg_start ;;
    stop) _ledger_pg_stop "${2:-}" ;;
    *) _ledger_pg_usage; false ;;
  esac
else
  case ${1:-} in
    start)
      [[ -z ${LEDGER_TEST_POSTGRES:-} ]] || { _ledger_pg_start; exit 0; }
      _ledger_pg_start || exit 1
      printf 'export LEDGER_TEST_POSTGRES=%q\n' "$LEDGER_TEST_POSTGRES"
      printf 'export LEDGER_TEST_POSTGRES_DIR=%q\n' "$LEDGER_TEST_POSTGRES_DIR"
      ;;
    stop) _ledger_pg_stop "${2:-}" ;;
    run) shift; _ledger_pg_run "$@"; exit $? ;;
    *) _ledger_pg_usage; exit 2 ;;
  esac
fi
