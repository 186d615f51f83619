#!/usr/bin/env bash
# The example client of docs/examples/ura_client.py (Python: jwcrypto + requests from PyPI, no Ura
# code) against a real urad in demo mode on a free port: it submits a form, checks the accepted
# receipt, receives it as the recipient (verify, decrypt, bindings, delivered receipt), checks the
# delivered receipt from the sender's feed and the message's ledger inclusion proof.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
urad_pid=""
cleanup() {
  [[ -n "$urad_pid" ]] && kill "$urad_pid" 2>/dev/null && wait "$urad_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check jwcrypto requests
swift build --product urad >/dev/null
urad="$(swift build --show-bin-path)/urad"

# Port 0: the kernel picks a free port, which urad writes to run/urad.json before it says it listens.
# Its output comes through a FIFO, read line by line until that line (no polling).
mkfifo "$work/urad.fifo"
URA_LISTEN__PORT=0 URA_ADMIN__ENABLED=false "$urad" --demo --data-dir "$work/data" > "$work/urad.fifo" 2> "$work/urad.err" &
urad_pid=$!
exec 3< "$work/urad.fifo"
while IFS= read -r line <&3; do [[ "$line" == *"listening on https://"* ]] && break; done
[[ "${line:-}" == *"listening on https://"* ]] || { echo "urad did not start:" >&2; cat "$work/urad.err" >&2; exit 1; }
cat <&3 > "$work/urad.out" &   # keeps draining what urad prints after that
port=$("$work/venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work/data/run/urad.json")

"$work/venv/bin/python" docs/examples/ura_client.py "$work/data/agencies" "$work/data/ca/ca.crt" "https://127.0.0.1:$port" \
  al.mepj.mission.it-rome al.mpb.secretariat Schemas/examples/return.found-abroad.json return.found-abroad AL-2026-000061
