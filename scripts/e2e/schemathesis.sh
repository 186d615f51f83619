#!/usr/bin/env bash
# Schemathesis (PyPI) against Schemas/openapi.json and a real urad in demo mode on a free port,
# with the secretariat's client certificate (it may call every operation): no 5xx, every status,
# media type, header and body as the document says, no request the document forbids accepted and
# none it allows refused (except where validity hangs on a signature or on a relation the document
# cannot state: Tests/schemathesis/schemathesis.toml says which and why). Bounded in examples per
# operation (SCHEMATHESIS_EXAMPLES, default 40; not URA_…: urad refuses URA_ variables it does not
# know) with a fixed seed, so a run is reproducible.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/e2e/lib/demo-urad.sh
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check schemathesis
swift build --product urad >/dev/null
urad="$(swift build --show-bin-path)/urad"

# A long poll is capped at 2 s, so no request outlasts the client's timeout.
start_demo_urad "$urad" URA_INBOX__MAX_WAIT_SECONDS=2

agency="$work/data/agencies/al.mpb.secretariat"
repo=$(pwd)
status=0
# From the temporary directory, where Schemathesis keeps its cache. One worker: Python 3.11's
# parser is not safe across threads, and Hypothesis parses lambdas' sources while it generates
# ("AST constructor recursion depth mismatch" with two workers).
(cd "$work" && "$work/venv/bin/st" --config-file "$repo/Tests/schemathesis/schemathesis.toml" run "$repo/Schemas/openapi.json" \
  --url "https://127.0.0.1:$port" --tls-verify "$work/data/ca/ca.crt" \
  --request-cert "$agency/tls.crt" --request-cert-key "$agency/tls.key" --request-timeout 30 \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" --seed 20261207 --workers 1 --warnings off --no-color) \
  > "$work/st.log" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
  cat "$work/st.log" >&2
  echo "schemathesis found requests the gateway and Schemas/openapi.json disagree on (above)" >&2
  exit 1
fi
grep -E "generated|passed" "$work/st.log" | tail -3
# urad must still be up and answering: nothing the fuzzer sent took it down.
kill -0 "$urad_pid" || { echo "urad died during the run:" >&2; tail -20 "$work/urad.err" >&2; exit 1; }
if grep -q '"level":"error"' "$work/urad.err"; then
  echo "urad logged errors during the run:" >&2; grep '"level":"error"' "$work/urad.err" | head -20 >&2; exit 1
fi
echo "schemathesis: Schemas/openapi.json and the gateway agree"
