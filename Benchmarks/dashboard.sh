#!/usr/bin/env bash
# Times every dashboard page over a store of 1,000 agencies and 100,000 messages (or the counts
# given): ura-testkit dashboard-scale fills it, then curl fetches each page three times through the
# admin listener with a session; prints each page's slowest time. Usage: Benchmarks/dashboard.sh [AGENCIES] [MESSAGES]
# (TESTKIT=path measures another build of ura-testkit.)
set -euo pipefail
cd "$(dirname "$0")/.."
agencies=${1:-1000}; messages=${2:-100000}
work=$(mktemp -d); pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
config=${URA_BENCH_CONFIG:-release}   # URA_BENCH_CONFIG=debug reuses the debug build (slower; say so with the figure)
if [[ -n "${TESTKIT:-}" ]]; then testkit=$TESTKIT   # TESTKIT=path/to/ura-testkit measures another build
else
  swift build -c "$config" --product ura-testkit >/dev/null
  testkit="$(swift build -c "$config" --show-bin-path)/ura-testkit"
fi
mkfifo "$work/hold"
"$testkit" dashboard-scale "$work/data" Schemas "$agencies" "$messages" < "$work/hold" > "$work/out" 2> "$work/err" &
pid=$!
exec 3> "$work/hold"
until grep -q READY "$work/out" 2>/dev/null; do kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }; sleep 0.5; done
cat "$work/err"
port=$(awk '/^ADMIN/ {print $2}' "$work/out")
base="http://127.0.0.1:$port"
curl -s -o /dev/null -c "$work/jar" "$base/login?token=$(cat "$work/data/run/admin-token")"
for path in / /messages "/messages?agency=al.bench.a0500" "/messages?state=dead_letter" /trends /deadlines /dead-letters /agencies "/agencies?page=10" "/messages?page=100" \
            /statistics /statistics.csv /cases/AL-2026-002500 "/declarations?case=AL-2026-002500"; do
  worst=0
  for _ in 1 2 3; do
    t=$(curl -s -o /dev/null -b "$work/jar" -w '%{http_code} %{time_total}' "$base$path")
    [[ ${t%% *} == 200 ]] || { echo "$path answered ${t%% *}" >&2; exit 1; }
    worst=$(python3 -c "print(max($worst, ${t#* }))")
  done
  printf '%-36s %6.0f ms\n' "$path" "$(python3 -c "print($worst * 1000)")"
done
exec 3>&-
