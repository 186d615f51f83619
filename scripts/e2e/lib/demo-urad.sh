# Sourced by the e2e scripts that run against a real urad in demo mode. Gives them `work`, a
# temporary directory removed on exit (urad stopped first), and start_demo_urad.

work=$(mktemp -d)
urad_pid=""
cleanup() {
  [[ -n "$urad_pid" ]] && kill "$urad_pid" 2>/dev/null && wait "$urad_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_demo_urad URAD [NAME=value ...]: URAD in demo mode on $work/data with the given settings,
# on a port the kernel picks (port 0; urad writes it to run/urad.json before it says it listens).
# Its output comes through a FIFO, read line by line until that line (no polling), then drained
# to $work/urad.out; its errors go to $work/urad.err. Sets urad_pid and port.
start_demo_urad() {
  local urad=$1 line=""
  shift
  mkfifo "$work/urad.fifo"
  env URA_LISTEN__PORT=0 URA_ADMIN__ENABLED=false "$@" "$urad" --demo --data-dir "$work/data" > "$work/urad.fifo" 2> "$work/urad.err" &
  urad_pid=$!   # env execs urad: the same process
  exec 3< "$work/urad.fifo"
  while IFS= read -r line <&3; do [[ "$line" == *"listening on https://"* ]] && break; done
  [[ "$line" == *"listening on https://"* ]] || { echo "urad did not start:" >&2; cat "$work/urad.err" >&2; exit 1; }
  cat <&3 > "$work/urad.out" &
  port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work/data/run/urad.json")
}
