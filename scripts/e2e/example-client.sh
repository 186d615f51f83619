#!/usr/bin/env bash
# The example client of docs/examples/ura_client.py (Python: jwcrypto + requests from PyPI, no Ura
# code) against a real urad in demo mode on a free port: it submits a form, checks the accepted
# receipt, receives it as the recipient (verify, decrypt, bindings, delivered receipt), checks the
# delivered receipt from the sender's feed and the message's ledger inclusion proof.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/e2e/lib/demo-urad.sh
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check jwcrypto requests
swift build --product urad >/dev/null
urad="$(swift build --show-bin-path)/urad"

start_demo_urad "$urad"

"$work/venv/bin/python" docs/examples/ura_client.py "$work/data/agencies" "$work/data/ca/ca.crt" "https://127.0.0.1:$port" \
  al.mepj.mission.it-rome al.mpb.secretariat Schemas/examples/return.found-abroad.json return.found-abroad AL-2026-000061
