#!/usr/bin/env bash
# The store on PostgreSQL next to SQLite and to the engine's own ceiling, in one run on this
# machine: a private PostgreSQL server (initdb + pg_ctl in a temporary directory, a free port,
# 127.0.0.1 only, fsync and synchronous_commit on), then `ura-bench postgres` against it.
# Usage: Benchmarks/postgres.sh [--count 4000] [--concurrency 64]   (docs/benchmarks.md records a run)
#        Benchmarks/postgres.sh --gateway [ura-bench gateway options]  urad over HTTPS, SQLite then PostgreSQL
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
stop() { "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
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
else
  "$bench" postgres --url "postgresql://ura@127.0.0.1:$port/postgres" "$@"
fi
