#!/usr/bin/env bash
# `ura desk` in a real browser: urad in demo mode on a port of its choosing, the desks of the
# mission in Athens and of the secretariat (`ura desk`, each printing its one-time link), and
# headless Chromium with JavaScript off driven by Tests/desk/drive.py: the mission types
# return.found-abroad into the form and sends it, the secretariat's desk shows it as a form and
# acknowledges it, the mission's outbox shows it delivered. Screenshots are kept in a temporary
# directory (or URA_DESK_SHOTS; docs/screenshots holds the ones docs/desk.md shows).
set -euo pipefail
cd "$(dirname "$0")/../.."
chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$chromium" ]] || { echo "desk.sh: chromium is not installed (scripts/deps --test installs it)" >&2; exit 1; }
work=$(mktemp -d)
shots=${URA_DESK_SHOTS:-$(mktemp -d -t ura-desk-shots-XXXX)}
unset URA_DESK_SHOTS  # urad takes every URA_* variable as configuration
mkdir -p "$shots"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check websocket-client
swift build --product urad >/dev/null
swift build --product ura >/dev/null
bin="$(swift build --show-bin-path)"

URA_LISTEN__PORT=0 URA_ADMIN__PORT=0 "$bin/urad" --demo --data-dir "$work/data" > "$work/urad.out" 2> "$work/urad.err" &
pids+=($!)
for _ in $(seq 600); do
  grep -q "listening on https://" "$work/urad.out" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/urad.err" >&2; exit 1; }
  sleep 0.1
done
gateway=$(grep -o "listening on https://127.0.0.1:[0-9]*" "$work/urad.out" | awk '{print $3}')
[[ -n "$gateway" ]] || { echo "desk.sh: urad did not start" >&2; cat "$work/urad.err" >&2; exit 1; }

# Each desk in this shell (its pid kept for the cleanup), then its one line read.
start_desk() {
  "$bin/ura" --profile "$work/data/agencies/$1/profile.json" --gateway "$gateway" --schemas Schemas desk > "$work/desk-$1.out" 2> "$work/desk-$1.err" &
  pids+=($!)
}
link() {  # link AGENCY PID: the desk's link, once it printed its line
  local out="$work/desk-$1.out"
  for _ in $(seq 600); do
    grep -q "^desk: " "$out" 2>/dev/null && break
    kill -0 "$2" 2>/dev/null || { cat "$work/desk-$1.err" >&2; exit 1; }
    sleep 0.1
  done
  local lines; lines=$(wc -l < "$out")
  [[ "$lines" == 1 ]] || { echo "desk.sh: ura desk printed $lines lines, not one" >&2; cat "$out" >&2; exit 1; }
  grep -q "^desk: http://127.0.0.1:[0-9]*/?token=[A-Za-z0-9_-]*$" "$out" || { echo "desk.sh: unexpected line: $(cat "$out")" >&2; exit 1; }
  sed 's/^desk: //' "$out"
}
start_desk al.mepj.mission.gr-athens
start_desk al.mpb.secretariat
mission=$(link al.mepj.mission.gr-athens "${pids[1]}")
secretariat=$(link al.mpb.secretariat "${pids[2]}")
# drive.py stops urad to show a message waiting, then starts it again on the same port itself.
DESK_URAD_PID=${pids[0]} DESK_URAD_PORT=${gateway##*:} DESK_URAD_COMMAND="$bin/urad"$'\t'"--demo"$'\t'"--data-dir"$'\t'"$work/data" \
  "$work/venv/bin/python" Tests/desk/drive.py "$chromium" "$mission" "$secretariat" "$shots"
echo "desk.sh: screenshots in $shots"
