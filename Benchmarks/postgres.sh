#!/usr/bin/env bash
# The store on PostgreSQL next to SQLite and to the engine's own ceiling, in one run on this
# machine: a private PostgreSQL server (initdb + pg_ctl in a temporary directory, a free port,
# 127.0.0.1 only, fsync and synchronous_commit on), then `ura-bench postgres` against it.
# Usage: Benchmarks/postgres.sh [--count 4000] [--concurrency 64] [--nodes 1,2,3] [--body repeated|random]   (docs/benchmarks.md records a run)
#        Benchmarks/postgres.sh --gateway [ura-bench gateway options]  urad over HTTPS, SQLite then PostgreSQL
#        Benchmarks/postgres.sh --nodes [--messages 3000] [--connections 64]  urad over HTTPS: 1 node, 2 nodes, 1 node,
#            on the server alone, then with a streaming standby (same disk), synchronous and asynchronous
#            in turn (twice), each leg on a database of its own, in one run
set -euo pipefail
cd "$(dirname "$0")/.."
bin=""
for d in $(echo "$PATH" | tr ':' ' ') $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
  if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then bin="$d"; break; fi
done
[[ -n "$bin" ]] || { echo "no PostgreSQL server binaries (scripts/deps --test installs Debian's postgresql)" >&2; exit 69; }
if [[ -n "${URA_BENCH:-}" ]]; then bench="$URA_BENCH"; else  # URA_BENCH: a ura-bench already built (a quick try of a debug build)
  swift build -c release --product ura-bench >/dev/null
  bench="$(swift build -c release --show-bin-path)/ura-bench"
fi
dir=$(mktemp -d /tmp/ura-pg-bench-XXXXXX)
as_server=()
if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; as_server=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
stop() {
  for d in standby data; do [[ -d "$dir/$d" ]] && { "${as_server[@]}" "$bin/pg_ctl" -D "$dir/$d" -m fast -w stop >/dev/null 2>&1 || true; }; done
  rm -rf "$dir"
}
trap stop EXIT
"${as_server[@]}" "$bin/initdb" -D "$dir/data" -U ura --auth=trust -E UTF8 --locale=C >/dev/null
"${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200 -c shared_buffers=128MB" start >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$bin/postgres" --version)"
if [[ "${1:-}" == "--gateway" ]]; then
  shift
  echo "urad on SQLite:"; "$bench" gateway "$@"
  "${as_server[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U ura ura_gateway 2>/dev/null || createdb -h 127.0.0.1 -p "$port" -U ura ura_gateway
  echo "urad on PostgreSQL (one node):"; URA_BENCH_STORE_URL="postgresql://ura@127.0.0.1:$port/ura_gateway" "$bench" gateway "$@"
elif [[ "${1:-}" == "--nodes" ]]; then
  shift
  tool() { for d in "$bin" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV) $(echo "$PATH" | tr ':' ' '); do
             [[ -x "$d/$1" ]] && { echo "$d/$1"; return; }; done; echo "no $1 found" >&2; exit 69; }
  psql=$(tool psql); basebackup=$(tool pg_basebackup)
  sql() { "$psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U ura -d postgres -c "$1"; }
  sync_state() { sql "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby1' AND sync_state = '$1'"; }
  leg=0
  run_leg() {  # $1: label; each leg on a database of its own (a fresh demo data dir signs with a new key)
    leg=$((leg + 1))
    sql "CREATE DATABASE ura_nodes_$leg" >/dev/null
    echo "leg $leg ($1): load average (1/5/15 min) $(cut -d' ' -f1-3 /proc/loadavg)"
    "$bench" gateway-nodes --url "postgresql://ura@127.0.0.1:$port/ura_nodes_$leg" --label "$1" "${args[@]}"
  }
  set_sync() {  # $1: synchronous_standby_names; waits (bounded: 60 s) until the standby's state is $2
    sql "ALTER SYSTEM SET synchronous_standby_names = '$1'" >/dev/null
    sql "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 1 600); do [[ "$(sync_state "$2")" == 1 ]] && return; sleep 0.1; done
    echo "the standby did not become $2" >&2; cat "$dir/standby.log" >&2; exit 1
  }
  args=("$@")
  run_leg alone
  # A streaming standby (same disk; -c fast: no wait for a spread checkpoint). Synchronous: every
  # COMMIT waits until the standby has its WAL on disk; async: the same standby, COMMIT does not wait.
  sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "${as_server[@]}" "$basebackup" -D "$dir/standby" -R -X stream -c fast -d "host=127.0.0.1 port=$port user=ura application_name=standby1" >/dev/null
  "${as_server[@]}" "$bin/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $sport -c unix_socket_directories=$dir -c max_connections=200 -c shared_buffers=128MB" start >/dev/null
  for round in 1 2; do
    set_sync standby1 sync; run_leg sync-standby
    set_sync "" async; run_leg async-standby
  done
  echo "load average after (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
else
  "$bench" postgres --url "postgresql://ura@127.0.0.1:$port/postgres" "$@"
fi
