#!/usr/bin/env bash
# The dashboard in a real browser: headless Chromium (Debian's chromium, installed by
# scripts/deps --test) opens every page after a scenario with delivered, retrying, dead and overdue
# messages (ura-testkit dashboard-scenario), checks the text of each, saves screenshots in a
# temporary directory and clicks a redrive button. The DevTools client (websocket-client) comes
# from PyPI into a throwaway virtual environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$chromium" ]] || { echo "dashboard.sh: chromium is not installed (scripts/deps --test installs it)" >&2; exit 1; }
work=$(mktemp -d)
# URA_DASHBOARD_SHOTS keeps the screenshots where asked (docs/screenshots holds the ones operations.md shows).
shots=${URA_DASHBOARD_SHOTS:-$(mktemp -d -t ura-dashboard-shots-XXXX)}
mkdir -p "$shots"
scenario_pid=""
cleanup() {
  [[ -n "$scenario_pid" ]] && kill "$scenario_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check websocket-client
swift build --product ura-testkit >/dev/null
testkit="$(swift build --show-bin-path)/ura-testkit"

mkfifo "$work/hold"
"$testkit" dashboard-scenario "$work/data" Schemas < "$work/hold" > "$work/scenario.out" 2> "$work/scenario.err" &
scenario_pid=$!
exec 3> "$work/hold"   # keeps the scenario's stdin open until this script ends
for _ in $(seq 600); do
  grep -q READY "$work/scenario.out" 2>/dev/null && break
  kill -0 "$scenario_pid" 2>/dev/null || { cat "$work/scenario.err" >&2; exit 1; }
  sleep 0.1
done
grep -q READY "$work/scenario.out" || { echo "dashboard.sh: the scenario did not start" >&2; cat "$work/scenario.err" >&2; exit 1; }
port=$(awk '/^ADMIN/ {print $2}' "$work/scenario.out")
token=$(cat "$work/data/run/admin-token")
"$work/venv/bin/python" Tests/dashboard/drive.py "$chromium" "http://127.0.0.1:$port" "$token" "$shots"
exec 3>&-
