#!/usr/bin/env bash
# The example client of docs/examples/ura_client.py (Python: jwcrypto + requests from PyPI, no Ura
# code) against a real urad in demo mode on a free port: it submits a form, checks the accepted
# receipt and the answer to the same message sent again, receives it as the recipient (verify,
# decrypt, bindings, delivered receipt), checks the delivered receipt from the sender's feed and
# the message's ledger inclusion proof. It runs twice: first with the sender's receipts signed per
# message (a JWS), then with the sender switched to "receipts": "per_batch" in the directory file
# and urad reloaded (SIGHUP), when the accepted receipt must be a ledger receipt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/e2e/lib/demo-urad.sh
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check jwcrypto requests
swift build --product urad >/dev/null
urad="$(swift build --show-bin-path)/urad"

# First offline: the client's ledger-receipt check takes docs/wire-format.md's worked example
# (which the Swift tests rebuild) and refuses it with a path entry changed.
"$work/venv/bin/python" - <<'PY'
import copy, json, re, sys
sys.dont_write_bytecode = True  # nothing written into docs/examples
sys.path.insert(0, "docs/examples")
from jwcrypto import jwk
import ura_client

page = open("docs/wire-format.md").read()
def example(name):
    return re.search(rf"<!-- example: {name} -->\n```[a-z]*\n(.*?)\n```", page, re.S).group(1)

class PageDirectory:  # the page's gateway and its key, as a directory would list them
    gateway_id = "al.ura.gateway"
    def __init__(self):
        key = json.loads(example("gateway-signing-key"))
        self.kid, self.key = key["kid"], jwk.JWK(**{k: key[k] for k in ("kty", "crv", "x")})
    def signing_key(self, signer, kid):
        if signer != self.gateway_id or kid != self.kid:
            raise SystemExit(f"{kid} is not a signing key the directory lists for {signer}")
        return self.key

receipt = json.loads(example("ledger-receipt"))
message = json.loads(example("envelope"))["id"]
ura_client.check_ledger_receipt(receipt, ura_client.TreeHeads(PageDirectory()), message, example("digest"))
changed = copy.deepcopy(receipt)
changed["path"][1] = ura_client.b64u(bytes(32))
try:
    ura_client.check_ledger_receipt(changed, ura_client.TreeHeads(PageDirectory()), message, example("digest"))
except AssertionError:
    print("example client: the wire format's ledger receipt checks, and not with a path entry changed")
else:
    raise SystemExit("example client: took the wire format's ledger receipt with a path entry changed")
PY

sender=al.mepj.mission.it-rome
start_demo_urad "$urad"

# run_client EXPECTED_FORM: the example once, a new message; fails unless it checked EXPECTED_FORM.
run_client() {
  local expected=$1
  "$work/venv/bin/python" docs/examples/ura_client.py "$work/data/agencies" "$work/data/ca/ca.crt" "https://127.0.0.1:$port" \
    "$sender" al.mpb.secretariat Schemas/examples/return.found-abroad.json return.found-abroad AL-2026-000061 | tee "$work/client.out"
  grep -q "accepted receipt checked: $expected" "$work/client.out" \
    || { echo "example-client: the accepted receipt was not a $expected" >&2; exit 1; }
  grep -q "receipt checked: $expected" <(grep "sent .* again" "$work/client.out") \
    || { echo "example-client: the answer to the repeat was not a $expected" >&2; exit 1; }
}

run_client "signed receipt"

# The operator switches the sender to receipts signed per batch in the directory file and reloads
# urad. Its log (stderr, one JSON object per line) says when the directory is applied: read from
# the line after the SIGHUP, as it is written, until directory.reloaded (or reload_failed).
"$work/venv/bin/python" - "$work/data/directory.json" "$sender" <<'PY'
import json, sys
path, sender = sys.argv[1:]
with open(path) as f:
    directory = json.load(f)
[agency] = [a for a in directory["agencies"] if a["id"] == sender]
agency["receipts"] = "per_batch"
with open(path, "w") as f:
    json.dump(directory, f, indent=2)
PY
logged=$(wc -l < "$work/urad.err")
exec 4< <(exec tail -n "+$((logged + 1))" -F "$work/urad.err" 2>/dev/null)
tail_pid=$!
kill -HUP "$urad_pid"
reloaded=""
while IFS= read -r -t 120 line <&4; do
  case "$line" in
    *'"directory.reloaded"'*) reloaded=yes; break ;;
    *'"directory.reload_failed"'*) echo "example-client: urad did not take the changed directory: $line" >&2; break ;;
  esac
done
kill "$tail_pid" 2>/dev/null || true
exec 4<&-
[[ -n "$reloaded" ]] || { echo "example-client: urad did not reload its directory" >&2; exit 1; }

run_client "ledger receipt"
